/* The decision form shows only the fields the chosen action takes (a reason for a refusal, the
   list of missing materials for a 补正 request, …). Each radio names its fields in data-fields;
   without this script every field some action needs stays visible, and the server checks anyway. */
(function () {
  "use strict";
  var form = document.getElementById("act-form");
  if (!form) { return; }
  var fields = form.querySelectorAll("[data-field]");
  function show() {
    var chosen = form.querySelector("input[name=action]:checked");
    var wanted = chosen ? (chosen.getAttribute("data-fields") || "").split(" ") : [];
    for (var i = 0; i < fields.length; i++) {
      fields[i].hidden = wanted.indexOf(fields[i].getAttribute("data-field")) < 0;
    }
  }
  form.addEventListener("change", show);
  show();
}());
