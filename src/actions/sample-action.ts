/**
 * `sample(probability=N,collector_set_id=..,obs_domain_id=..,obs_point_id=..,
 * sampling_port=P,ingress|egress)` (NXAST_SAMPLE, SAMPLE2 and SAMPLE3, OVS's
 * `parse_SAMPLE` / `format_SAMPLE`): parse and print. The three encodings
 * decode to the same ofpact, so a list travels unchanged. Translation
 * (xlate/xlate-actions.ts) emits nothing unless the bridge exports IPFIX.
 */
import { keyValuePairs } from "../flowtable/flow-mod-parse.js";
import { OFPP_NONE, formatPort, parsePort } from "../flowtable/ports.js";
import type { ActionOp } from "./action-op.js";
import { fail } from "./action-op.js";
import type { SampleAction } from "./action-types.js";
import { strToU16, strToU32 } from "./parse-util.js";

export const sample: ActionOp<SampleAction> = {
  name: "sample",
  instruction: "apply_actions",
  parse: (arg, ctx) => {
    let probability = 0;
    let collectorSetId = 0;
    let obsDomainId = 0;
    let obsPointId = 0;
    let samplingPort = OFPP_NONE;
    let direction: SampleAction["direction"] = "default";
    for (const [key, value] of keyValuePairs(arg)) {
      if (key === "probability") {
        probability = strToU16(ctx, value, "probability");
        if (probability === 0) fail(ctx, `invalid probability value "${value}"`);
      } else if (key === "collector_set_id") {
        collectorSetId = strToU32(ctx, value);
      } else if (key === "obs_domain_id") {
        obsDomainId = strToU32(ctx, value);
      } else if (key === "obs_point_id") {
        obsPointId = strToU32(ctx, value);
      } else if (key === "sampling_port") {
        const port = parsePort(value, ctx.names);
        if (port === undefined) fail(ctx, `${value}: unknown port`);
        samplingPort = port;
      } else if (key === "ingress") {
        direction = "ingress";
      } else if (key === "egress") {
        direction = "egress";
      } else {
        fail(ctx, `invalid key "${key}" in "sample" argument`);
      }
    }
    if (probability === 0) fail(ctx, 'non-zero "probability" must be specified on sample');
    return { type: "sample", probability, collectorSetId, obsDomainId, obsPointId, samplingPort, direction };
  },
  format: (a, ctx) => {
    let s = `sample(probability=${a.probability},collector_set_id=${a.collectorSetId},obs_domain_id=${a.obsDomainId},obs_point_id=${a.obsPointId}`;
    if (a.samplingPort !== OFPP_NONE) s += `,sampling_port=${formatPort(a.samplingPort, ctx.names)}`;
    if (a.direction !== "default") s += `,${a.direction}`;
    return `${s})`;
  },
  check: () => null,
  wire: (a) => [a],
};
