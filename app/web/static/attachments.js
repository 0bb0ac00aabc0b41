// Upload a photo or a scan without leaving the page: what is typed in the task's form stays as it is, and the
// list of attachments (with the new thumbnail) is replaced by the one the server answers with.
(function () {
  // the chosen file's name beside the button in the staff's words (the browser's own text is hidden)
  function showChosen(input) {
    var shown = input.parentNode && input.parentNode.querySelector("[data-file-name]");
    if (shown) shown.textContent = input.files && input.files.length ? "已选择：" + input.files[0].name : "未选择";
  }
  document.querySelectorAll(".file-pick .file-input").forEach(showChosen);
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches(".file-pick .file-input")) showChosen(event.target);
  });
  if (!window.fetch || !window.FormData || !window.DOMParser) return; // the plain form post still works
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.attach-form")) return;
    event.preventDefault();
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin"})
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("attachments"), here = document.getElementById("attachments");
        if (!fresh || !here) { form.submit(); return; } // not the page expected: let the browser show the answer
        var notes = page.querySelectorAll(".flash-success, .flash-error");
        var status = document.createElement("p");
        status.setAttribute("role", "status");
        status.className = notes.length ? notes[notes.length - 1].className : "flash";
        status.textContent = notes.length ? notes[notes.length - 1].textContent.trim() : "附件已上传";
        fresh.insertBefore(status, fresh.children[1] || null);
        here.replaceWith(fresh);
        fresh.querySelectorAll(".file-pick .file-input").forEach(showChosen);
      })
      .catch(function () { form.submit(); });
  });
})();
