// Where one RESP reply ends, without decoding it: the connector hands replies to the module as
// raw bytes and only needs the boundary. Counts pending elements instead of recursing, so deeply
// nested arrays cost nothing extra. RESP2 types plus RESP3's (in case a server speaks it).

export const INCOMPLETE = -1;
export const PROTOCOL_ERROR = -2;

const CR = 13;
const LF = 10;

function lineEnd(buf: Uint8Array, from: number): number {
  for (let i = from; i + 1 < buf.length; i++) if (buf[i] === CR && buf[i + 1] === LF) return i;
  return -1;
}

function parseLength(buf: Uint8Array, from: number, to: number): number | null {
  let s = "";
  for (let i = from; i < to; i++) s += String.fromCharCode(buf[i]);
  if (!/^-?\d+$/.test(s)) return null;
  const n = Number(s);
  return n < -1 ? null : n;
}

/** End offset (exclusive) of the reply starting at `start`, or INCOMPLETE / PROTOCOL_ERROR. */
export function replyEnd(buf: Uint8Array, start = 0): number {
  let pos = start;
  let remaining = 1;
  while (remaining > 0) {
    if (pos >= buf.length) return INCOMPLETE;
    const type = String.fromCharCode(buf[pos]);
    const end = lineEnd(buf, pos + 1);
    if (end < 0) return INCOMPLETE;
    const headerFrom = pos + 1;
    pos = end + 2;
    remaining--;
    switch (type) {
      case "+": // simple string
      case "-": // error
      case ":": // integer
      case "_": // RESP3 null
      case ",": // RESP3 double
      case "#": // RESP3 boolean
      case "(": // RESP3 big number
        break;
      case "$": // bulk string
      case "!": // RESP3 bulk error
      case "=": {
        // RESP3 verbatim string
        const n = parseLength(buf, headerFrom, end);
        if (n === null) return PROTOCOL_ERROR;
        if (n === -1) break;
        if (pos + n + 2 > buf.length) return INCOMPLETE;
        if (buf[pos + n] !== CR || buf[pos + n + 1] !== LF) return PROTOCOL_ERROR;
        pos += n + 2;
        break;
      }
      case "*": // array
      case "~": // RESP3 set
      case ">": {
        // RESP3 push
        const n = parseLength(buf, headerFrom, end);
        if (n === null) return PROTOCOL_ERROR;
        if (n > 0) remaining += n;
        break;
      }
      case "%": // RESP3 map: key and value per entry
      case "|": {
        // RESP3 attribute: a map, then the reply it annotates
        const n = parseLength(buf, headerFrom, end);
        if (n === null || n < 0) return PROTOCOL_ERROR;
        remaining += 2 * n + (type === "|" ? 1 : 0);
        break;
      }
      default:
        return PROTOCOL_ERROR;
    }
  }
  return pos;
}

/** A RESP array of bulk strings, the form every Redis command takes. */
export function encodeCommand(args: string[]): Uint8Array {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.from(a, "utf8");
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from("\r\n"));
  }
  return Buffer.concat(parts);
}
