import { App, TerraformStack } from "cdktf";

/** The CDKTF app: one stack per environment. Until the stacks land, the dev stack is empty. */
const app = new App();
new TerraformStack(app, "rajee-dev");
app.synth();
