// Draw the case's BPMN diagram with the path taken and where it waits (needs dist/viewer.js, built by `make assets`).
// A long process is shown at a readable zoom around the step the case waits in; 全图 fits the whole process.
(function () {
  var element = document.getElementById("case-diagram");
  var data = document.getElementById("case-diagram-data");
  if (!element || !data) return;
  if (!window.CaseDiagram) {
    element.innerHTML = '<p class="message">流程图组件未构建（运行 make assets），下方列出了已办和等待中的环节。</p>';
    return;
  }
  var marks = JSON.parse(data.textContent);
  element.innerHTML = "";
  Promise.resolve(window.CaseDiagram.show(element, marks.xml,
    {done: marks.done, waiting: marks.waiting, counts: marks.counts})).then(function (viewer) {
    if (!viewer || !viewer.get) return;
    var canvas = viewer.get("canvas");
    var focus = viewer.get("elementRegistry").get((marks.waiting || [])[0] || "");
    if (focus && canvas.zoom() < 0.6) {
      canvas.zoom(0.8);
      canvas.scrollToElement(focus);
    }
    document.querySelectorAll("[data-diagram-zoom]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var how = button.getAttribute("data-diagram-zoom");
        if (how === "fit") canvas.zoom("fit-viewport");
        else canvas.zoom(canvas.zoom() * (how === "in" ? 1.25 : 0.8));
      });
    });
  });
})();
