// 首次註冊 (manual 第三章 四, 圖3-4 – 3-10): terms → the agency's organisation card → its
// manager's citizen card → details and the manager's contact → receipt; an identifier
// mismatch → review application. The result leads on to 授權指派.
import { h } from '../ui.js';
import { registrationChange } from './registration-change.js';

export const firstRegistration = {
  'first-registration': registrationChange({
    resultActions: () => h('a', { class: 'button', href: '/flow.html?type=authorisation', i18n: 'result.toAuthorisation' }),
  }),
};
