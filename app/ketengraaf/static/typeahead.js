// Typeahead for every search box: asks the search API as the reader types and fills the box's <datalist>.
// The page names the API's URL (<body data-search-api>), so the site works under any path prefix.
(function () {
  "use strict";
  var api = document.body && document.body.getAttribute("data-search-api");
  if (!api) { return; }
  var timer = null;
  function attach(input) {
    var list = document.getElementById(input.getAttribute("list") || "");
    if (!list) {
      list = document.createElement("datalist");
      list.id = input.id + "-hints";
      input.parentNode.appendChild(list);
      input.setAttribute("list", list.id);
    }
    input.addEventListener("input", function () {
      var q = input.value.trim();
      clearTimeout(timer);
      if (q.length < 2) { return; }
      timer = setTimeout(function () {
        fetch(api + "?limit=8&q=" + encodeURIComponent(q), { headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) {
            while (list.firstChild) { list.removeChild(list.firstChild); }
            data.results.forEach(function (hit) {
              var opt = document.createElement("option");
              opt.value = hit.label;
              list.appendChild(opt);
            });
          })
          .catch(function () { /* typeahead is a convenience: the form still works */ });
      }, 120);
    });
  }
  document.querySelectorAll("input[type=search]").forEach(attach);
}());
