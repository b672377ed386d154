import { lineChartSvg } from "../../bench/svg-plot";

describe("the soak plot", () => {
  it("draws one line per series in a standalone SVG", () => {
    const svg = lineChartSvg("t", [
      { label: "RSS", unit: "MiB", points: [[0, 80], [1, 82]], limit: { value: 120, label: "target" } },
      { label: "delay", unit: "ms", points: [[0, 1], [1, 2]] },
    ]);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain("stroke-dasharray");
  });
});
