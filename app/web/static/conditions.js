// Show and hide form fields as the user types, following the form's `conditional.hide` (FEEL).
// Only the simple shapes Camunda forms use here are understood: =name, =not(name), =name = value,
// =name != value (value: true, false, null — nothing chosen yet —, a number or "text"), and several of them
// joined by `or` (a part it does not understand counts as false). Anything else leaves the field shown;
// the server decides what is required either way. A hidden field's inputs are disabled, not cleared.
(function () {
  var form = document.getElementById("task-form");
  if (!form || form.hasAttribute("data-readonly")) return;
  var shape = /^=\s*(not\(\s*)?([A-Za-z_][\w]*)\s*\)?\s*(?:(!=|=)\s*(true|false|null|-?\d+(?:\.\d+)?|"[^"]*"))?\s*$/;

  function current(name) {
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    if (!inputs.length) return undefined;
    var first = inputs[0];
    if (first.type === "checkbox" && inputs.length === 1) return first.checked;
    if (first.type === "radio") {
      var picked = form.querySelector('[name="' + name + '"]:checked');
      return picked ? picked.value : null;
    }
    return first.value;
  }

  function literal(text) {
    if (text === "true") return true;
    if (text === "false") return false;
    if (text === "null") return null;
    if (text.charAt(0) === '"') return text.slice(1, -1);
    return text;
  }

  function hidden(expr) {
    return expr.replace(/^\s*=/, "").split(/\s+or\s+/).some(function (part) { return hiddenBy("=" + part); });
  }

  function hiddenBy(expr) {
    var m = shape.exec(expr);
    if (!m) return false;
    var value = current(m[2]);
    if (value === undefined) return false;
    var result;
    if (m[3]) {
      var expected = literal(m[4]);
      var same = expected === null ? value === null || value === "" : String(value) === String(expected);
      result = m[3] === "=" ? same : !same;
    } else {
      result = Boolean(value) && value !== "false";
    }
    return m[1] ? !result : result;
  }

  function apply() {
    form.querySelectorAll("[data-hide]").forEach(function (field) {
      // a field the server found wrong stays shown, so the error summary never points at a hidden field
      var hide = !field.classList.contains("invalid") && hidden(field.getAttribute("data-hide"));
      field.hidden = hide;
      field.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = hide; });
    });
  }

  form.addEventListener("change", apply);
  form.addEventListener("input", apply);
  apply();
})();
