import { RespCommand, decodeResp, RESP_SIMPLE, RESP_ERROR, RESP_INTEGER, RESP_BULK, RESP_ARRAY, RESP_INVALID } from "../resp";
import { EvalBatch, CHECK_AND_ADD_SCRIPT } from "../lua";
import { WindowSpec } from "../windows";

function bytes(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}

describe("RESP encode", () => {
  it("encodes an array of bulk strings with byte lengths", () => {
    const b = new RespCommand().arg("SET").arg("k").arg("héllo").encode();
    expect(String.UTF8.decode(b)).toBe("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\nhéllo\r\n");
  });
  it("encodes an EVAL batch with numkeys, keys, now and args", () => {
    const batch = new EvalBatch();
    batch.addCheck("a", new WindowSpec(1000, 5, true, 10), 1);
    const s = String.UTF8.decode(batch.encode("return 1", 1234));
    expect(s).toBe("*9\r\n$4\r\nEVAL\r\n$8\r\nreturn 1\r\n$1\r\n1\r\n$1\r\na\r\n$4\r\n1234\r\n$4\r\n1000\r\n$2\r\n10\r\n$1\r\n5\r\n$1\r\n1\r\n");
    expect(CHECK_AND_ADD_SCRIPT.length > 100).toBe(true);
  });
});

describe("RESP decode", () => {
  it("decodes scalars", () => {
    expect(decodeResp(bytes("+OK\r\n")).type).toBe(RESP_SIMPLE);
    expect(decodeResp(bytes("+OK\r\n")).str).toBe("OK");
    const e = decodeResp(bytes("-WRONGPASS invalid username-password pair\r\n"));
    expect(e.type).toBe(RESP_ERROR);
    expect(e.isError()).toBe(true);
    expect(e.str).toBe("WRONGPASS invalid username-password pair");
    expect(decodeResp(bytes(":-42\r\n")).int).toBe(-42);
    expect(decodeResp(bytes("$5\r\nhello\r\n")).str).toBe("hello");
    expect(decodeResp(bytes("$-1\r\n")).isNull).toBe(true);
    expect(decodeResp(bytes("$0\r\n\r\n")).str).toBe("");
  });
  it("decodes nested arrays", () => {
    const v = decodeResp(bytes("*3\r\n:1\r\n*2\r\n$1\r\na\r\n:2\r\n$2\r\n17\r\n"));
    expect(v.type).toBe(RESP_ARRAY);
    expect(v.items.length).toBe(3);
    expect(v.items[0].asInt(-1)).toBe(1);
    expect(v.items[1].items[0].str).toBe("a");
    expect(v.items[2].asInt(-1)).toBe(17);
    expect(decodeResp(bytes("*-1\r\n")).isNull).toBe(true);
  });
  it("turns malformed and truncated replies into errors", () => {
    expect(decodeResp(bytes("")).type).toBe(RESP_INVALID);
    expect(decodeResp(bytes("$5\r\nhel")).str).toBe("truncated bulk string at byte 4");
    expect(decodeResp(bytes("*2\r\n:1\r\n")).str).toBe("truncated reply at byte 8");
    expect(decodeResp(bytes(":12a\r\n")).str).toBe("bad length or integer at byte 1");
    expect(decodeResp(bytes("?x\r\n")).str).toBe("unknown reply type at byte 0");
    expect(decodeResp(bytes("+OK")).type).toBe(RESP_INVALID);
  });
  it("reads integers from strings too", () => {
    expect(decodeResp(bytes("$3\r\n-12\r\n")).asInt(0)).toBe(-12);
    expect(decodeResp(bytes("$2\r\nab\r\n")).asInt(99)).toBe(99);
    expect(decodeResp(bytes(":5\r\n")).asInt(0)).toBe(5);
  });
});
