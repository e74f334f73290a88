// The three replacements (manual 第三章 六): 更換機關憑證 (a NEW organisation card with the
// CURRENT manager's card, 六(一)), 更換授權管理者自然人憑證 (the CURRENT organisation card with
// a NEW manager's card, 六(二)) and both at once (六(三)).
import { registrationChange } from './registration-change.js';

export const replacement = {
  'replace-organisation': registrationChange({ newOrganisation: true }),
  'replace-manager': registrationChange({ newManager: true }),
  'replace-both': registrationChange({ newOrganisation: true, newManager: true }),
};
