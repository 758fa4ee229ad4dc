// Search page enhancements. Autocomplete for the header search box: words in both scripts from /search/suggest,
// offered through a native <datalist> (keyboard and screen readers handle it). Without this script the page works the same.
(function () {
  "use strict";
  var input = document.getElementById("q");
  if (!input || !input.form || !window.fetch) { return; }
  var url = input.form.getAttribute("action") + "/suggest?q=";  // the search page's own address + /suggest
  var list = document.createElement("datalist");
  list.id = "q-suggestions";
  input.parentNode.appendChild(list);
  input.setAttribute("list", list.id);
  input.setAttribute("autocomplete", "off");
  var timer = null, last = "";

  function show(words) {
    list.textContent = "";
    words.forEach(function (w) {
      var option = document.createElement("option");
      option.value = w;
      list.appendChild(option);
    });
  }

  function ask() {
    var q = input.value.trim();
    if (q.length < 2 || q === last) { return; }
    last = q;
    fetch(url + encodeURIComponent(q), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
      .then(function (data) { if (input.value.trim() === q) { show(data.suggestions || []); } })
      .catch(function () { /* no suggestions is fine: the form still searches */ });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 150);
  });
}());

// On a wide screen the filters sit beside the results: show them open there (a phone keeps them folded).
(function () {
  "use strict";
  var filters = document.querySelector(".facets details");
  if (filters && window.matchMedia && window.matchMedia("(min-width: 64rem)").matches) { filters.open = true; }
}());
