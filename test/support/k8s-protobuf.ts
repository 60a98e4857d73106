/**
 * The request bodies kubectl sends as Kubernetes protobuf
 * (application/vnd.kubernetes.protobuf: the magic "k8s\0", then a
 * runtime.Unknown whose `raw` is the object), read into the JSON shape the
 * API-server stand-in understands, for the two kinds kubectl sends that way
 * and the stand-in answers: SelfSubjectAccessReview and
 * SelfSubjectRulesReview (k8s.io/api/authorization/v1 generated.proto). The
 * answer may be JSON: kubectl accepts it too (Accept lists application/json).
 */
type Fields = Map<number, Array<bigint | Buffer>>;

/** The fields of one protobuf message (wire types varint, 64-bit, length-delimited, 32-bit). */
function fields(buffer: Buffer): Fields {
  const out: Fields = new Map();
  let at = 0;
  const varint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = buffer[at++];
      if (byte === undefined) throw new Error("protobuf: truncated varint");
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value;
    }
  };
  while (at < buffer.length) {
    const key = Number(varint());
    const [field, wire] = [key >> 3, key & 7];
    let value: bigint | Buffer;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const length = Number(varint());
      value = buffer.subarray(at, at + length);
      at += length;
    } else if (wire === 1 || wire === 5) {
      value = buffer.subarray(at, at + (wire === 1 ? 8 : 4));
      at += wire === 1 ? 8 : 4;
    } else throw new Error(`protobuf: wire type ${wire}`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

const message = (f: Fields, n: number): Fields | undefined => {
  const v = f.get(n)?.[0];
  return Buffer.isBuffer(v) ? fields(v) : undefined;
};
const text = (f: Fields | undefined, n: number): string | undefined => {
  const v = f?.get(n)?.[0];
  return Buffer.isBuffer(v) ? v.toString("utf8") : undefined;
};

function strings(f: Fields | undefined, names: Record<number, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [n, name] of Object.entries(names)) {
    const value = text(f, Number(n));
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** A protobuf body as the JSON object it encodes (kind, apiVersion, spec), for the kinds above. */
export function decodeKubernetesProtobuf(body: Buffer): Record<string, unknown> {
  if (body.subarray(0, 4).toString("latin1") !== "k8s\0") throw new Error("protobuf: no k8s magic");
  const unknown = fields(body.subarray(4));
  const typeMeta = message(unknown, 1);
  const kind = text(typeMeta, 2) ?? "";
  const raw = message(unknown, 2);
  const spec = message(raw ?? new Map(), 2);
  if (kind === "SelfSubjectRulesReview") return { kind, apiVersion: text(typeMeta, 1), spec: strings(spec, { 1: "namespace" }) };
  if (kind === "SelfSubjectAccessReview") {
    const resource = message(spec ?? new Map(), 1);
    const nonResource = message(spec ?? new Map(), 2);
    return {
      kind,
      apiVersion: text(typeMeta, 1),
      spec: {
        ...(resource ? { resourceAttributes: strings(resource, { 1: "namespace", 2: "verb", 3: "group", 4: "version", 5: "resource", 6: "subresource", 7: "name" }) } : {}),
        ...(nonResource ? { nonResourceAttributes: strings(nonResource, { 1: "path", 2: "verb" }) } : {}),
      },
    };
  }
  throw new Error(`protobuf: the stand-in does not read ${kind || "this kind"}`);
}
