// Typeahead for every search box (ARIA 1.2 combobox with a listbox popup).
// As the reader types, asks the search API and shows up to 8 hits (label, type, chain) under the box.
// Down/Up move through them (aria-activedescendant keeps focus in the box), Enter opens the active
// hit (or submits the form when none is active), Escape closes the list; a click opens a hit.
// The page names the API's URL (<body data-search-api>), so the site works under any path prefix.
(function () {
  "use strict";
  var api = document.body && document.body.getAttribute("data-search-api");
  if (!api) { return; }
  var count = 0;

  function attach(input) {
    var n = ++count;
    var list = document.createElement("ul");
    list.id = (input.id || "q" + n) + "-listbox";
    list.className = "typeahead";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", input.labels && input.labels.length ? input.labels[0].textContent : "");
    list.hidden = true;
    input.removeAttribute("list");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    var wrap = input.parentNode;
    wrap.classList.add("has-typeahead");
    wrap.appendChild(list);
    var hits = [];
    var active = -1;
    var timer = null;
    var seq = 0;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function setActive(i) {
      var items = list.children;
      if (active >= 0 && items[active]) { items[active].setAttribute("aria-selected", "false"); }
      active = i;
      if (i >= 0 && items[i]) {
        items[i].setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", items[i].id);
        items[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function show(results) {
      while (list.firstChild) { list.removeChild(list.firstChild); }
      hits = results;
      active = -1;
      results.forEach(function (hit, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var label = document.createElement("span");
        label.className = "typeahead-label";
        label.textContent = hit.label;
        li.appendChild(label);
        var extra = (hit.types || []).slice(0, 1).map(function (t) { return t.label; })
          .concat((hit.chains || []).slice(0, 1).map(function (c) { return c.label; }));
        if (extra.length) {
          var meta = document.createElement("span");
          meta.className = "typeahead-meta";
          meta.textContent = " " + extra.join(" · ");
          li.appendChild(meta);
        }
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); window.location.href = hit.href; });
        list.appendChild(li);
      });
      if (results.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      } else {
        close();
      }
    }
    input.addEventListener("input", function () {
      var q = input.value.trim();
      clearTimeout(timer);
      if (q.length < 2) { close(); return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        fetch(api + "?limit=8&q=" + encodeURIComponent(q), { headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) { if (mine === seq) { show(data.results || []); } })
          .catch(function () { /* typeahead is a convenience: the form still works */ });
      }, 120);
    });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowDown") {
        if (list.hidden && hits.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
        if (hits.length) { setActive((active + 1) % hits.length); ev.preventDefault(); }
      } else if (ev.key === "ArrowUp") {
        if (hits.length && !list.hidden) { setActive(active <= 0 ? hits.length - 1 : active - 1); ev.preventDefault(); }
      } else if (ev.key === "Enter") {
        if (!list.hidden && active >= 0 && hits[active]) {
          ev.preventDefault();
          window.location.href = hits[active].href;
        }
      } else if (ev.key === "Escape") {
        if (!list.hidden) { ev.preventDefault(); close(); }
      }
    });
    input.addEventListener("blur", close);
  }
  document.querySelectorAll("input[type=search]").forEach(attach);
}());
