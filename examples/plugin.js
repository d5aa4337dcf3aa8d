// The validation plugin of cdk8s.yaml, loaded from the TypeScript sources for the example app (sucrase strips the
// types; `npm test` type-checks them). An app using the published package names `package: cdk8s-istio-canary` instead.
require('sucrase/register/ts');
module.exports = require('../src/validation/plugin');
