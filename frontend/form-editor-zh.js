// Chinese for the form editor (form-js). Most of its words are fixed in its components rather than asked of a
// translate service, so the editor's text, placeholders and titles are replaced where they are drawn (an exact
// match of the whole text; what is not listed stays as form-js wrote it). The translation keys live here.
export const zh = {
  // palette
  Components: '组件', 'Search components': '搜索组件', 'No components found.': '没有找到组件',
  Input: '输入', Selection: '选择', Presentation: '展示', Containers: '容器', Action: '操作',
  'Text field': '单行文本', 'Text area': '多行文本', Number: '数字', 'Date time': '日期时间', Checkbox: '勾选框',
  'Checkbox group': '多选框组', 'Radio group': '单选框组', Select: '下拉选择', 'Tag list': '标签列表',
  'Text view': '文字说明', 'HTML view': 'HTML 视图', 'Image view': '图片', Table: '表格', 'iFrame': '内嵌页面',
  Spacer: '空白', Separator: '分隔线', Group: '分组', 'Dynamic list': '可重复行（动态列表）',
  'File picker': '文件选择（页面不支持）', Button: '按钮', 'Document preview': '文档预览', Expression: '表达式',
  // canvas
  'Build your form': '设计表单', 'Drag and drop components here to start designing.': '把左侧的组件拖到这里开始设计。',
  'Drag and drop components here.': '把组件拖到这里。', 'Use the preview window to test your form.': '可在预览中试填表单。',
  'Text view is empty': '文字说明为空', 'Html view is empty': 'HTML 视图为空', Repeatable: '可重复',
  // properties panel: groups
  General: '常规', Condition: '条件（隐藏）', Constraints: '约束', Validation: '校验', Appearance: '外观',
  Layout: '布局', Serialization: '序列化', 'Custom properties': '自定义属性', Options: '选项',
  'Options source': '选项来源', 'Static options': '固定选项', 'Dynamic options': '动态选项',
  'Security attributes': '安全属性', 'Form submission': '表单提交', 'Data source': '数据来源',
  // properties panel: fields
  'Field label': '字段标签', Label: '标签', 'Field description': '字段说明', Key: '变量名（key）', Path: '路径（path）',
  ID: '标识（ID）', 'Default value': '默认值', Disabled: '禁用', 'Read only': '只读', Required: '必填',
  'Minimum length': '最少字符数', 'Maximum length': '最多字符数', Minimum: '最小值', Maximum: '最大值',
  'Validation pattern': '校验格式', 'Custom regular expression': '自定义正则表达式', 'Custom error message': '自定义错误提示',
  'Decimal digits': '小数位数', Increment: '步长', 'Output as string': '以文本输出', Subtype: '子类型', Text: '文字',
  Value: '值', Columns: '列', Column: '列', Auto: '自动', Prefix: '前缀', Suffix: '后缀', 'Version tag': '版本标签',
  'Hide if': '隐藏条件', 'Date label': '日期标签', 'Time label': '时间标签', 'Time format': '时间格式',
  'Time interval': '时间间隔', 'Disallow past dates': '不允许过去的日期', Searchable: '可搜索', Checked: '勾选',
  'Not checked': '未勾选', 'Allow add/delete items': '允许增删行', 'Default number of items': '默认行数',
  'Disable collapse': '不可折叠', 'Number of non-collapsing items': '不折叠的行数', 'Show outline': '显示边框',
  'List of items': '选项列表', 'Create new list item': '新增一项', Create: '新增', 'Delete item': '删除此项',
  'Toggle section': '展开/收起', 'Toggle list item': '展开/收起此项', 'Open documentation': '打开说明文档',
  'Open pop-up editor': '在弹出窗口中编辑', '<empty>': '（空）', Email: '电子邮件', Phone: '电话', URL: '网址',
  Custom: '自定义', Type: '类型', Content: '内容', Height: '高度', 'Alternative text': '替代文字',
  'Image source': '图片地址', 'Supported file formats': '支持的文件格式', 'Upload multiple files': '可上传多个文件',
  'Input values key': '选项变量名', 'Options expression': '选项表达式', 'Target value': '目标值', Top: '顶部',
  Center: '居中', Bottom: '底部', 'Vertical alignment': '垂直对齐', Submit: '提交', Reset: '重置',
  'Section contains an error': '此处有错误', 'Section contains edits': '此处已修改',
};

const ATTRIBUTES = ['placeholder', 'title', 'aria-label'];

function translateNode(node) {
  if (node.nodeType === Node.TEXT_NODE) {
    const text = node.nodeValue.trim();
    if (text && zh[text]) {
      node.nodeValue = node.nodeValue.replace(text, zh[text]);
    }
    return;
  }
  if (node.nodeType !== Node.ELEMENT_NODE) {
    return;
  }
  ATTRIBUTES.forEach((name) => {
    const value = node.getAttribute(name);
    if (value && zh[value.trim()]) {
      node.setAttribute(name, zh[value.trim()]);
    }
  });
  node.childNodes.forEach(translateNode);
}

// Translate the container now and whatever the editor draws into it later.
export function speakChinese(container) {
  translateNode(container);
  new MutationObserver((records) => records.forEach((record) => {
    if (record.type === 'characterData') {
      translateNode(record.target);
    } else if (record.type === 'attributes') {
      translateNode(record.target);
    } else {
      record.addedNodes.forEach(translateNode);
    }
  })).observe(container, { childList: true, subtree: true, characterData: true, attributes: true,
    attributeFilter: ATTRIBUTES });
}
