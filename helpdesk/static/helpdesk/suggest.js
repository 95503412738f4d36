// Suggest knowledge-base articles that match the subject of a case before it is filed.
(function () {
  "use strict";
  var box = document.getElementById("kb-suggestions");
  var subject = document.getElementById("id_subject");
  if (!box || !subject) return;
  var list = box.querySelector("ul");
  var timer = null;
  var last = "";

  function show(articles) {
    list.replaceChildren();
    articles.forEach(function (article) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = article.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = article.title; // text, never HTML
      item.appendChild(link);
      list.appendChild(item);
    });
    box.classList.toggle("d-none", articles.length === 0);
  }

  function look() {
    var text = subject.value.trim();
    if (text === last) return;
    last = text;
    if (text.length < 4) { show([]); return; }
    fetch(box.dataset.url + "?subject=" + encodeURIComponent(text), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { articles: [] }; })
      .then(function (data) { if (text === last) show(data.articles); })
      .catch(function () { show([]); });
  }

  subject.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(look, 300);
  });
  look();
})();
