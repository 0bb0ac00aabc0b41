// Rows of a form-js dynamic list (家庭成员): "添加一行" copies the last row empty with the next index, and the
// household's size and monthly per-capita income show as the rows are typed (the server computes them again).
(function () {
  var form = document.getElementById("task-form");
  if (!form || form.hasAttribute("data-readonly")) return;
  form.querySelectorAll("[data-add-row]").forEach(function (button) {
    var body = form.querySelector('[data-rows="' + button.getAttribute("data-add-row") + '"]');
    button.hidden = false;
    button.addEventListener("click", function () {
      var last = body.lastElementChild, next = body.children.length, copy = last.cloneNode(true);
      copy.setAttribute("data-row", next);
      copy.firstElementChild.textContent = next + 1;
      copy.querySelectorAll("input, select").forEach(function (input) {
        input.name = input.name.replace(/\[\d+\]/, "[" + next + "]");
        input.setAttribute("aria-label", input.getAttribute("aria-label").replace(/第\d+行/, "第" + (next + 1) + "行"));
        input.value = "";
      });
      body.appendChild(copy);
      copy.querySelector("input, select").focus();
    });
  });
  var size = form.querySelector('[name="household_size"]'), perCapita = form.querySelector('[name="per_capita_income"]');
  var members = form.querySelector('[data-rows="household_members"]');
  if (!members || !size || !perCapita) return;
  members.addEventListener("input", function () {
    var count = 0, total = 0;
    members.querySelectorAll("tr").forEach(function (row) {
      var filled = Array.prototype.some.call(row.querySelectorAll("input, select"), function (i) { return i.value.trim(); });
      var income = row.querySelector('[name$=".member_income"]');
      if (filled) { count += 1; total += parseFloat(income && income.value) || 0; }
    });
    if (count) { size.value = count; perCapita.value = Math.round(total / count * 100) / 100; }
  });
})();
