// window.FormDesigner.open({...}): the form-js editor for a Camunda Forms JSON schema; the page's
// form posts the edited schema.
import { FormEditor } from '@bpmn-io/form-js';
import '@bpmn-io/form-js/dist/assets/form-js.css';
import '@bpmn-io/form-js/dist/assets/form-js-editor.css';
import '@bpmn-io/form-js/dist/assets/properties-panel.css';
import { speakChinese } from './form-editor-zh';

function saveOnSubmit(editor, form, field) {
  if (!form || !field) {
    return;
  }
  form.addEventListener('submit', () => {
    field.value = JSON.stringify(editor.saveSchema(), null, 2);
  });
}

async function open({ container, schema, form, field }) {
  speakChinese(container);
  const editor = new FormEditor({ container });
  try {
    await editor.importSchema(schema);
  } catch (err) {
    container.textContent = `表单无法打开：${err.message}`;
    return editor;
  }
  saveOnSubmit(editor, form, field);
  container.dataset.formEditorReady = 'true';
  window.currentFormEditor = editor;
  return editor;
}

window.FormDesigner = { open };
