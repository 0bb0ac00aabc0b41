// Upload a photo or a scan without leaving the page: what is typed in the task's form stays as it is, and the
// list of attachments (with the new thumbnail) is replaced by the one the server answers with.
(function () {
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
      })
      .catch(function () { form.submit(); });
  });
})();
