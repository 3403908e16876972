// The SPARQL query page: keyboard shortcuts for the editor. The page works without it.
(function () {
  "use strict";
  var form = document.getElementById("sparql-form");
  var editor = document.getElementById("query");
  if (!form || !editor) { return; }
  // Long queries go by POST: URLs that long are refused by some proxies.
  var MAX_GET = 4000;
  form.addEventListener("submit", function () {
    if (encodeURIComponent(editor.value).length > MAX_GET) { form.method = "post"; }
  });
  editor.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    } else if (event.key === "Tab" && !event.shiftKey && !event.altKey) {
      // Indent instead of leaving the editor; Escape then Tab still moves focus on.
      event.preventDefault();
      var start = editor.selectionStart, end = editor.selectionEnd;
      editor.setRangeText("  ", start, end, "end");
    }
  });
  editor.addEventListener("keyup", function (event) {
    if (event.key === "Escape") { editor.blur(); }
  });
})();
