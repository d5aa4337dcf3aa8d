// The validation plugin of cdk8s.yaml, loaded from the TypeScript sources for the example app
// (an app using the published package names `package: cdk8s-istio-canary` instead).
require('ts-node').register({ swc: true, project: require('path').join(__dirname, 'tsconfig.json') });
module.exports = require('../src/validation/plugin');
