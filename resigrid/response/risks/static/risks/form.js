/* Show the factors of the chosen rating method (5×5 matrix or LEC); the others stay in the form
   but hidden, and the server ignores them. The live preview itself is an htmx GET. */
(function () {
  "use strict";
  function sync(form) {
    var method = form.querySelector("[name=method]");
    if (!method) return;
    form.querySelectorAll(".method-group").forEach(function (group) {
      var on = group.dataset.method === method.value;
      group.hidden = !on;
    });
  }
  document.querySelectorAll("form").forEach(function (form) {
    if (!form.querySelector(".method-group")) return;
    sync(form);
    form.addEventListener("change", function (e) {
      if (e.target && e.target.name === "method") sync(form);
    });
  });
})();
