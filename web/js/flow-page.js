// flow.html?type=…: every card function of SPEC §3, one module each under flow/ beside the
// flow driver (flow/driver.js): 首次註冊, 授權指派, the three replacements, the OID and serial
// queries, and the operator login (回要保機關作業).
import { run } from './flow/driver.js';
import { firstRegistration } from './flow/first-registration.js';
import { authorisation } from './flow/authorisation.js';
import { replacement } from './flow/replacement.js';
import { queries } from './flow/queries.js';
import { operatorLogin } from './flow/operator-login.js';

run({ ...firstRegistration, ...authorisation, ...replacement, ...queries, ...operatorLogin });
