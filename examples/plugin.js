// The validation plugin of cdk8s.yaml, loaded from the TypeScript sources for the example app (sucrase strips the
// types; `npm test` type-checks them). An app that installed the package names `package: ./node_modules/cdk8s-istio-canary` instead
// (docs/use-in-your-app.md).
require('sucrase/register/ts');
module.exports = require('../src/validation/plugin');
