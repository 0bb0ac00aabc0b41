// Work never lost: every change to a task form is kept in this browser (localStorage, per user and task) and
// put back when the form opens again — after a session expired and the user logged in, after the page went
// stale, after a crash. A draft goes when the server confirms the task done. The error summary gets focus.
(function () {
  var PREFIX = "draft:", MAX_AGE = 30 * 24 * 3600 * 1000;
  var store;
  try { store = window.localStorage; } catch (e) { store = null; }

  function forget(key) { if (store) store.removeItem(key); }

  // the server says these tasks are done: their drafts go
  document.querySelectorAll("[data-clear-draft]").forEach(function (el) { forget(el.getAttribute("data-clear-draft")); });
  if (store) {  // and drafts nobody came back to in a month
    for (var i = store.length - 1; i >= 0; i--) {
      var k = store.key(i);
      if (k && k.indexOf(PREFIX) === 0) {
        try { if (Date.now() - JSON.parse(store.getItem(k)).at > MAX_AGE) forget(k); } catch (e) { forget(k); }
      }
    }
  }

  var summary = document.getElementById("form-errors");
  if (summary) {
    summary.focus();
    summary.querySelectorAll("a[data-error-link]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var target = document.querySelector(link.getAttribute("href"));
        if (!target) return;
        event.preventDefault();
        var input = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
        target.scrollIntoView({block: "center"});
        (input || target).focus();
      });
    });
  }

  var form = document.getElementById("task-form");
  var key = form && form.getAttribute("data-draft-key");
  if (!store || !key) return;

  function read() {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.name === "action" || el.disabled || el.type === "file") return;
      if (el.type === "checkbox") {
        values[el.name] = values[el.name] || [];
        if (el.checked) values[el.name].push(el.value);
      } else if (el.type === "radio") {
        if (!(el.name in values)) values[el.name] = null;
        if (el.checked) values[el.name] = el.value;
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  function write(values) {
    Object.keys(values).forEach(function (name) {
      var value = values[name];
      form.querySelectorAll('[name="' + name.replace(/"/g, '\\"') + '"]').forEach(function (el) {
        if (el.type === "file") return;  // a chosen file cannot be put back by a script: it is chosen again
        if (el.type === "checkbox") el.checked = Array.isArray(value) && value.indexOf(el.value) >= 0;
        else if (el.type === "radio") el.checked = el.value === value;
        else el.value = value == null ? "" : value;
      });
    });
    form.dispatchEvent(new Event("change", {bubbles: true}));  // conditions.js shows and hides fields again
  }

  function save() {
    try { store.setItem(key, JSON.stringify({at: Date.now(), values: read()})); } catch (e) { /* full: keep going */ }
  }

  var saved = null;
  try { saved = JSON.parse(store.getItem(key)); } catch (e) { saved = null; }
  var serverAt = Number(form.getAttribute("data-server-draft-at") || 0);
  // a refused submission already shows what was typed; otherwise the newer of this browser's and the server's
  if (saved && saved.values && !summary && saved.at > serverAt && JSON.stringify(saved.values) !== JSON.stringify(read())) {
    var original = read();
    write(saved.values);
    var note = document.createElement("p");
    note.className = "flash flash-info";
    note.id = "draft-restored";
    note.setAttribute("role", "status");
    note.textContent = "已恢复您在本机上次填写但未提交的内容（" + new Date(saved.at).toLocaleString("zh-CN") + "）。 ";
    var undo = document.createElement("button");
    undo.type = "button";
    undo.textContent = "放弃这些内容";
    undo.addEventListener("click", function () { write(original); forget(key); note.remove(); });
    note.appendChild(undo);
    form.parentNode.insertBefore(note, form);
  }
  form.addEventListener("input", save);
  form.addEventListener("change", save);
})();
