// Validates real responses of the server against web/openapi.json (JSON Schema 2020-12, as
// OpenAPI 3.1 uses it), with Ajv: every response must be documented for its route, method and
// status (or 4XX / 5XX), and its JSON body must match the schema.
//   node validate.mjs OPENAPI.json RESPONSES.json
// RESPONSES.json: [{ "method": "GET", "route": "/api/v1/health", "status": 200, "body": {...} }]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(process.env.CERTGATE_OPENAPI_NODE_MODULES
  ? `${process.env.CERTGATE_OPENAPI_NODE_MODULES}/`
  : import.meta.url);
const Ajv2020 = require('ajv/dist/2020.js').default;
const addFormats = require('ajv-formats').default;

const [documentFile, responsesFile] = process.argv.slice(2);
const document = JSON.parse(readFileSync(documentFile, 'utf8'));
const responses = JSON.parse(readFileSync(responsesFile, 'utf8'));

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
// "#/components/schemas/X" becomes a reference into the registered schemas: "#/$defs/X" among
// them, "components#/$defs/X" from an operation.
const rewrite = (node, prefix) => {
  if (Array.isArray(node)) return node.map((item) => rewrite(item, prefix));
  if (node && typeof node === 'object') {
    const out = {};
    for (const [key, value] of Object.entries(node)) {
      out[key] = key === '$ref' && typeof value === 'string'
        ? value.replace('#/components/schemas/', prefix)
        : rewrite(value, prefix);
    }
    return out;
  }
  return node;
};
ajv.addSchema({ $id: 'components', $defs: rewrite(document.components.schemas, '#/$defs/') });

let failures = 0;
const seen = new Set();
for (const r of responses) {
  const where = `${r.method} ${r.route} ${r.status}`;
  const operation = document.paths?.[r.route]?.[r.method.toLowerCase()];
  if (!operation) {
    console.error(`not documented: ${r.method} ${r.route}`);
    failures++;
    continue;
  }
  const documented = operation.responses[String(r.status)]
    ?? operation.responses[`${String(r.status)[0]}XX`] ?? operation.responses.default;
  if (!documented) {
    console.error(`status not documented: ${where}`);
    failures++;
    continue;
  }
  seen.add(`${r.method} ${r.route}`);
  const schema = documented.content?.['application/json']?.schema;
  if (!schema) {
    if (r.body !== null && r.body !== undefined && r.body !== '') {
      console.error(`${where}: a body where the document has none`);
      failures++;
    }
    continue;
  }
  const validate = ajv.compile(rewrite(schema, 'components#/$defs/'));
  if (!validate(r.body)) {
    console.error(`${where}: ${ajv.errorsText(validate.errors)}\n  ${JSON.stringify(r.body).slice(0, 400)}`);
    failures++;
  }
}
console.log(`validate: ${responses.length} responses on ${seen.size} operations, ${failures} failures`);
process.exit(failures ? 1 : 0);
