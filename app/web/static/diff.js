// The visual diff of two versions (needs dist/viewer.js): each version's diagram with the changed elements
// coloured — added green, removed red, changed orange, only moved blue.
(function () {
  var data = document.getElementById("diff-data");
  if (!data) return;
  var diff = JSON.parse(data.textContent);
  [["old-diagram", diff.old_xml, {removed: "diff-removed", changed: "diff-changed", moved: "diff-moved"}],
   ["new-diagram", diff.new_xml, {added: "diff-added", changed: "diff-changed", moved: "diff-moved"}]]
    .forEach(function (side) {
      var element = document.getElementById(side[0]);
      if (!element) return;
      if (!window.CaseDiagram) {
        element.innerHTML = '<p class="message">流程图组件未构建（运行 make assets），请看下方的环节变化与文本差异。</p>';
        return;
      }
      element.innerHTML = "";
      Promise.resolve(window.CaseDiagram.show(element, side[1], {})).then(function (viewer) {
        if (!viewer || !viewer.get) return;
        var canvas = viewer.get("canvas"), registry = viewer.get("elementRegistry");
        Object.keys(side[2]).forEach(function (kind) {
          (diff.elements[kind] || []).forEach(function (id) {
            if (registry.get(id)) canvas.addMarker(id, side[2][kind]);
          });
        });
        element.dataset.diffReady = "true";
      });
    });
})();
