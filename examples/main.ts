import { App } from 'cdk8s';
import { addExampleCharts } from './scenarios';

const app = new App();
addExampleCharts(app);
app.synth();
