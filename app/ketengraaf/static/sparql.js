// ketengraaf query page: Ctrl/Cmd+Enter runs the query, Tab indents, a format other than
// the table downloads the answer. Works without it; no external code.
(function () {
  "use strict";
  var form = document.getElementById("sparql-form");
  var area = document.getElementById("sparql-query");
  if (!form || !area) { return; }
  area.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.submit();
    } else if (ev.key === "Tab" && !ev.shiftKey && !ev.altKey) {
      ev.preventDefault();
      var s = area.selectionStart, e = area.selectionEnd;
      area.value = area.value.slice(0, s) + "  " + area.value.slice(e);
      area.selectionStart = area.selectionEnd = s + 2;
    }
  });
  // Long queries go by POST (no URL length limit); the table view stays a shareable GET.
  form.addEventListener("submit", function () {
    form.method = area.value.length > 6000 ? "post" : "get";
  });
})();
