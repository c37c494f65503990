// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Instants are written in UTC by the server; show them in the reader's own timezone.
  function localizeTimes(root) {
    var lang = document.documentElement.lang || undefined;
    root.querySelectorAll("time[data-localize]").forEach(function (el) {
      var date = new Date(el.getAttribute("datetime"));
      if (isNaN(date)) return;
      var style = el.getAttribute("data-localize") === "short" ? "short" : "medium";
      try {
        el.textContent = new Intl.DateTimeFormat(lang, {
          dateStyle: style, timeStyle: "short", timeZoneName: "short"
        }).format(date);
        el.title = el.getAttribute("datetime");
      } catch (e) { /* keep the UTC text */ }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { localizeTimes(document); });
  document.addEventListener("htmx:afterSwap", function (event) { localizeTimes(event.target); });

  // The language switcher submits itself when a language is picked.
  document.addEventListener("change", function (event) {
    if (event.target.id === "language-switcher") event.target.form.submit();
  });
})();
