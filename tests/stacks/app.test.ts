import { join } from "node:path";
import { synthSummary } from "../../stacks/app";

describe("what npm run synth prints", () => {
  it("names each stack and its folder, relative to the checkout when inside it", () => {
    expect(synthSummary("/repo/cdktf.out", ["rajee-dev", "rajee-staging"], "/repo")).toBe(
      "synthesized 2 stacks:\n  rajee-dev      cdktf.out/stacks/rajee-dev/cdk.tf.json\n  rajee-staging  cdktf.out/stacks/rajee-staging/cdk.tf.json\n",
    );
  });

  it("gives the absolute folder when the output is elsewhere (CDKTF_OUTDIR)", () => {
    expect(synthSummary("/tmp/out", ["rajee-dev"], "/repo")).toBe(`synthesized 1 stack:\n  rajee-dev  ${join("/tmp/out", "stacks", "rajee-dev")}/cdk.tf.json\n`);
  });
});
