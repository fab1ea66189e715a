import { describe, expect, it } from 'vitest';
import { PickleTruncatedError } from '../errors';
import { toPlain } from '../plain';
import { createGlobalResolver, ForbiddenGlobalError, isForbiddenGlobal, type GlobalReport } from './globals';
import { NumpyArray, numpyGlobals } from './numpy_globals';
import { PyCall, PyGlobalRef, PyOrderedDict, PyPersistent, PyTuple, pickle } from './pickler';
import { PickleError, unpickle } from './unpickler';
import { PickleGlobal, PickleObject } from './values';

/**
 * The same object pickled by CPython 3.11 at protocols 0–5 (`pickle.dumps(obj, protocol=p)`), with
 * obj = {'int': 1, 'neg': -5, 'i16': 70000, 'i32neg': -2**31, 'big': 2**70, 'negbig': -2**63, 'f': 1.5,
 * 'fneg': -2.25e-10, 'str': 'h\u00e9llo \u2713\n', 'bytes': b'\x00\xff\x10', 'tuple': (1, 2, 3, 4),
 * 'list': [1, [2, 3], ()], 'none': None, 't': True, 'f0': False, 'set': {5}, 'fs': frozenset([6]),
 * 'od': OrderedDict([('b', 1), ('a', 2)]), 'ba': bytearray(b'ab'), 'shared': [x, x] (x = [7]), 3: 'intkey',
 * 'ns': argparse.Namespace(lr=0.1)}
 */
const CPYTHON_PICKLES = [
  'KGRwMApWaW50CnAxCkkxCnNWbmVnCnAyCkktNQpzVmkxNgpwMwpJNzAwMDAKc1ZpMzJuZWcKcDQKSS0yMTQ3NDgzNjQ4CnNWYmlnCnA1CkwxMTgwNTkxNjIwNzE3NDExMzAzNDI0TApzVm5lZ2JpZwpwNgpMLTkyMjMzNzIwMzY4NTQ3NzU4MDhMCnNWZgpwNwpGMS41CnNWZm5lZwpwOApGLTIuMjVlLTEwCnNWc3RyCnA5ClZo6WxsbyBcdTI3MTNcdTAwMGEKcDEwCnNWYnl0ZXMKcDExCmNfY29kZWNzCmVuY29kZQpwMTIKKFZcdTAwMDD/EApwMTMKVmxhdGluMQpwMTQKdHAxNQpScDE2CnNWdHVwbGUKcDE3CihJMQpJMgpJMwpJNAp0cDE4CnNWbGlzdApwMTkKKGxwMjAKSTEKYShscDIxCkkyCmFJMwphYSh0YXNWbm9uZQpwMjIKTnNWdApwMjMKSTAxCnNWZjAKcDI0CkkwMApzVnNldApwMjUKY19fYnVpbHRpbl9fCnNldApwMjYKKChscDI3Ckk1CmF0cDI4ClJwMjkKc1ZmcwpwMzAKY19fYnVpbHRpbl9fCmZyb3plbnNldApwMzEKKChscDMyCkk2CmF0cDMzClJwMzQKc1ZvZApwMzUKY2NvbGxlY3Rpb25zCk9yZGVyZWREaWN0CnAzNgoodFJwMzcKVmIKcDM4CkkxCnNWYQpwMzkKSTIKc3NWYmEKcDQwCmNfX2J1aWx0aW5fXwpieXRlYXJyYXkKcDQxCihnMTIKKFZhYgpwNDIKZzE0CnRwNDMKUnA0NAp0cDQ1ClJwNDYKc1ZzaGFyZWQKcDQ3CihscDQ4CihscDQ5Ckk3CmFhZzQ5CmFzSTMKVmludGtleQpwNTAKc1ZucwpwNTEKY2NvcHlfcmVnCl9yZWNvbnN0cnVjdG9yCnA1MgooY2FyZ3BhcnNlCk5hbWVzcGFjZQpwNTMKY19fYnVpbHRpbl9fCm9iamVjdApwNTQKTnRwNTUKUnA1NgooZHA1NwpWbHIKcDU4CkYwLjEKc2JzLg==',
  'fXEAKFgDAAAAaW50cQFLAVgDAAAAbmVncQJK+////1gDAAAAaTE2cQNKcBEBAFgGAAAAaTMybmVncQRKAAAAgFgDAAAAYmlncQVMMTE4MDU5MTYyMDcxNzQxMTMwMzQyNEwKWAYAAABuZWdiaWdxBkwtOTIyMzM3MjAzNjg1NDc3NTgwOEwKWAEAAABmcQdHP/gAAAAAAABYBAAAAGZuZWdxCEe97ux71RK1clgDAAAAc3RycQlYCwAAAGjDqWxsbyDinJMKcQpYBQAAAGJ5dGVzcQtjX2NvZGVjcwplbmNvZGUKcQwoWAQAAAAAw78QcQ1YBgAAAGxhdGluMXEOdHEPUnEQWAUAAAB0dXBsZXERKEsBSwJLA0sEdHESWAQAAABsaXN0cRNdcRQoSwFdcRUoSwJLA2UpZVgEAAAAbm9uZXEWTlgBAAAAdHEXSTAxClgCAAAAZjBxGEkwMApYAwAAAHNldHEZY19fYnVpbHRpbl9fCnNldApxGihdcRtLBWF0cRxScR1YAgAAAGZzcR5jX19idWlsdGluX18KZnJvemVuc2V0CnEfKF1xIEsGYXRxIVJxIlgCAAAAb2RxI2Njb2xsZWN0aW9ucwpPcmRlcmVkRGljdApxJClScSUoWAEAAABicSZLAVgBAAAAYXEnSwJ1WAIAAABiYXEoY19fYnVpbHRpbl9fCmJ5dGVhcnJheQpxKShoDChYAgAAAGFicSpoDnRxK1JxLHRxLVJxLlgGAAAAc2hhcmVkcS9dcTAoXXExSwdhaDFlSwNYBgAAAGludGtleXEyWAIAAABuc3EzY2NvcHlfcmVnCl9yZWNvbnN0cnVjdG9yCnE0KGNhcmdwYXJzZQpOYW1lc3BhY2UKcTVjX19idWlsdGluX18Kb2JqZWN0CnE2TnRxN1JxOH1xOVgCAAAAbHJxOkc/uZmZmZmZmnNidS4=',
  'gAJ9cQAoWAMAAABpbnRxAUsBWAMAAABuZWdxAkr7////WAMAAABpMTZxA0pwEQEAWAYAAABpMzJuZWdxBEoAAACAWAMAAABiaWdxBYoJAAAAAAAAAABAWAYAAABuZWdiaWdxBooIAAAAAAAAAIBYAQAAAGZxB0c/+AAAAAAAAFgEAAAAZm5lZ3EIR73u7HvVErVyWAMAAABzdHJxCVgLAAAAaMOpbGxvIOKckwpxClgFAAAAYnl0ZXNxC2NfY29kZWNzCmVuY29kZQpxDFgEAAAAAMO/EHENWAYAAABsYXRpbjFxDoZxD1JxEFgFAAAAdHVwbGVxEShLAUsCSwNLBHRxElgEAAAAbGlzdHETXXEUKEsBXXEVKEsCSwNlKWVYBAAAAG5vbmVxFk5YAQAAAHRxF4hYAgAAAGYwcRiJWAMAAABzZXRxGWNfX2J1aWx0aW5fXwpzZXQKcRpdcRtLBWGFcRxScR1YAgAAAGZzcR5jX19idWlsdGluX18KZnJvemVuc2V0CnEfXXEgSwZhhXEhUnEiWAIAAABvZHEjY2NvbGxlY3Rpb25zCk9yZGVyZWREaWN0CnEkKVJxJShYAQAAAGJxJksBWAEAAABhcSdLAnVYAgAAAGJhcShjX19idWlsdGluX18KYnl0ZWFycmF5CnEpaAxYAgAAAGFicSpoDoZxK1JxLIVxLVJxLlgGAAAAc2hhcmVkcS9dcTAoXXExSwdhaDFlSwNYBgAAAGludGtleXEyWAIAAABuc3EzY2FyZ3BhcnNlCk5hbWVzcGFjZQpxNCmBcTV9cTZYAgAAAGxycTdHP7mZmZmZmZpzYnUu',
  'gAN9cQAoWAMAAABpbnRxAUsBWAMAAABuZWdxAkr7////WAMAAABpMTZxA0pwEQEAWAYAAABpMzJuZWdxBEoAAACAWAMAAABiaWdxBYoJAAAAAAAAAABAWAYAAABuZWdiaWdxBooIAAAAAAAAAIBYAQAAAGZxB0c/+AAAAAAAAFgEAAAAZm5lZ3EIR73u7HvVErVyWAMAAABzdHJxCVgLAAAAaMOpbGxvIOKckwpxClgFAAAAYnl0ZXNxC0MDAP8QcQxYBQAAAHR1cGxlcQ0oSwFLAksDSwR0cQ5YBAAAAGxpc3RxD11xEChLAV1xEShLAksDZSllWAQAAABub25lcRJOWAEAAAB0cROIWAIAAABmMHEUiVgDAAAAc2V0cRVjYnVpbHRpbnMKc2V0CnEWXXEXSwVhhXEYUnEZWAIAAABmc3EaY2J1aWx0aW5zCmZyb3plbnNldApxG11xHEsGYYVxHVJxHlgCAAAAb2RxH2Njb2xsZWN0aW9ucwpPcmRlcmVkRGljdApxIClScSEoWAEAAABicSJLAVgBAAAAYXEjSwJ1WAIAAABiYXEkY2J1aWx0aW5zCmJ5dGVhcnJheQpxJUMCYWJxJoVxJ1JxKFgGAAAAc2hhcmVkcSldcSooXXErSwdhaCtlSwNYBgAAAGludGtleXEsWAIAAABuc3EtY2FyZ3BhcnNlCk5hbWVzcGFjZQpxLimBcS99cTBYAgAAAGxycTFHP7mZmZmZmZpzYnUu',
  'gASVkwEAAAAAAAB9lCiMA2ludJRLAYwDbmVnlEr7////jANpMTaUSnARAQCMBmkzMm5lZ5RKAAAAgIwDYmlnlIoJAAAAAAAAAABAjAZuZWdiaWeUiggAAAAAAAAAgIwBZpRHP/gAAAAAAACMBGZuZWeUR73u7HvVErVyjANzdHKUjAtow6lsbG8g4pyTCpSMBWJ5dGVzlEMDAP8QlIwFdHVwbGWUKEsBSwJLA0sEdJSMBGxpc3SUXZQoSwFdlChLAksDZSlljARub25llE6MAXSUiIwCZjCUiYwDc2V0lI+UKEsFkIwCZnOUKEsGkZSMAm9klIwLY29sbGVjdGlvbnOUjAtPcmRlcmVkRGljdJSTlClSlCiMAWKUSwGMAWGUSwJ1jAJiYZSMCGJ1aWx0aW5zlIwJYnl0ZWFycmF5lJOUQwJhYpSFlFKUjAZzaGFyZWSUXZQoXZRLB2FoKWVLA4wGaW50a2V5lIwCbnOUjAhhcmdwYXJzZZSMCU5hbWVzcGFjZZSTlCmBlH2UjAJscpRHP7mZmZmZmZpzYnUu',
  'gAWVfQEAAAAAAAB9lCiMA2ludJRLAYwDbmVnlEr7////jANpMTaUSnARAQCMBmkzMm5lZ5RKAAAAgIwDYmlnlIoJAAAAAAAAAABAjAZuZWdiaWeUiggAAAAAAAAAgIwBZpRHP/gAAAAAAACMBGZuZWeUR73u7HvVErVyjANzdHKUjAtow6lsbG8g4pyTCpSMBWJ5dGVzlEMDAP8QlIwFdHVwbGWUKEsBSwJLA0sEdJSMBGxpc3SUXZQoSwFdlChLAksDZSlljARub25llE6MAXSUiIwCZjCUiYwDc2V0lI+UKEsFkIwCZnOUKEsGkZSMAm9klIwLY29sbGVjdGlvbnOUjAtPcmRlcmVkRGljdJSTlClSlCiMAWKUSwGMAWGUSwJ1jAJiYZSWAgAAAAAAAABhYpSMBnNoYXJlZJRdlChdlEsHYWgkZUsDjAZpbnRrZXmUjAJuc5SMCGFyZ3BhcnNllIwJTmFtZXNwYWNllJOUKYGUfZSMAmxylEc/uZmZmZmZmnNidS4=',
];

const b64 = (s: string) => Uint8Array.from(Buffer.from(s, 'base64'));
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

function resolver(policy: 'error' | 'placeholder' = 'error'): { findGlobal: (m: string, n: string) => unknown; report: GlobalReport } {
  const report: GlobalReport = { placeholders: new Set(), forbidden: new Set() };
  return { findGlobal: createGlobalResolver(numpyGlobals(), policy, report), report };
}

describe('unpickle: CPython pickles, protocols 0-5', () => {
  CPYTHON_PICKLES.forEach((text, protocol) => {
    it(`protocol ${protocol}`, () => {
      const { findGlobal, report } = resolver();
      const bytes = b64(text);
      const { value, end } = unpickle(bytes, { findGlobal });
      expect(end).toBe(bytes.length);
      const raw = value as Map<unknown, unknown>;
      expect([...raw.keys()]).toContain(3); // int keys stay ints in the raw tree
      const shared = raw.get('shared') as unknown[];
      expect(shared[0]).toBe(shared[1]); // memo keeps identity
      const { ns, ...plain } = toPlain(value) as Record<string, unknown>;
      expect(plain).toEqual({
        int: 1, neg: -5, i16: 70000, i32neg: -(2 ** 31), big: 2n ** 70n, negbig: -(2n ** 63n), f: 1.5, fneg: -2.25e-10,
        str: 'h\u00e9llo \u2713\n', bytes: new Uint8Array([0, 255, 16]), tuple: [1, 2, 3, 4], list: [1, [2, 3], []],
        none: null, t: true, f0: false, set: new Set([5]), fs: new Set([6]), od: { b: 1, a: 2 },
        ba: new Uint8Array([97, 98]), shared: [[7], [7]], 3: 'intkey',
      });
      expect(Object.keys(plain.od as object)).toEqual(['b', 'a']);
      expect(ns).toBeInstanceOf(PickleObject);
      expect((ns as PickleObject).callee.qualifiedName).toBe('argparse.Namespace');
      expect((ns as PickleObject).state).toEqual({ lr: 0.1 });
      expect([...report.placeholders]).toContain('argparse.Namespace');
    });
  });

  it('protocol 0 STRING with escapes', () => {
    const { value } = unpickle(ascii("S'a\\x00b\\n\\'c'\np0\n."), { findGlobal: () => null });
    expect(value).toBe("a\x00b\n'c");
  });
});

describe('unpickle: nothing runs', () => {
  it('os.system through GLOBAL is a forbidden-global error by default', () => {
    const evil = ascii("cposix\nsystem\n(S'touch /tmp/x'\ntR.");
    expect(() => unpickle(evil, { findGlobal: resolver().findGlobal })).toThrow(ForbiddenGlobalError);
    expect(() => unpickle(evil, { findGlobal: resolver().findGlobal })).toThrow(/forbidden global 'posix\.system'/);
  });

  it('placeholder policy records the call and flags it', () => {
    const { findGlobal, report } = resolver('placeholder');
    const v = unpickle(ascii("c__builtin__\neval\n(S'1+1'\ntR."), { findGlobal }).value as PickleObject;
    expect(v).toBeInstanceOf(PickleObject);
    expect(v.forbidden).toBe(true);
    expect(v.callee.qualifiedName).toBe('builtins.eval');
    expect(v.args).toEqual(['1+1']);
    expect([...report.forbidden]).toEqual(['builtins.eval']);
  });

  it('STACK_GLOBAL (protocol 4) to subprocess is forbidden', () => {
    const bytes = new Uint8Array([0x80, 4, 0x8c, 10, ...ascii('subprocess'), 0x8c, 5, ...ascii('Popen'), 0x93, 0x2e]);
    expect(() => unpickle(bytes, { findGlobal: resolver().findGlobal })).toThrow(/forbidden global 'subprocess\.Popen'/);
  });

  it('getattr only reads attributes of classes, and never dunders', () => {
    const { findGlobal } = resolver('placeholder');
    const ok = unpickle(ascii("c__builtin__\ngetattr\n(cmy.mod\nKlass\nS'method'\ntR."), { findGlobal }).value as PickleGlobal;
    expect(ok).toBeInstanceOf(PickleGlobal);
    expect(ok.qualifiedName).toBe('my.mod.Klass.method');
    expect(ok.forbidden).toBe(false);
    const dunder = unpickle(ascii("c__builtin__\ngetattr\n(cmy.mod\nKlass\nS'__globals__'\ntR."), { findGlobal }).value as PickleGlobal;
    expect(dunder.forbidden).toBe(true);
    expect(() => unpickle(ascii("c__builtin__\ngetattr\n(S'abc'\nS'join'\ntR."), { findGlobal })).toThrow(/only attributes of classes/);
  });

  it('isForbiddenGlobal covers the usual escape hatches', () => {
    for (const [m, n] of [['os', 'system'], ['nt', 'system'], ['posix', 'system'], ['subprocess', 'check_output'], ['builtins', 'exec'], ['__builtin__', '__import__'], ['runpy', '_run_code'], ['torch', 'load']]) {
      expect(isForbiddenGlobal(m, n), `${m}.${n}`).toBe(true);
    }
    for (const [m, n] of [['collections', 'OrderedDict'], ['torch._utils', '_rebuild_tensor_v2'], ['mmengine.logging.history_buffer', 'HistoryBuffer']]) {
      expect(isForbiddenGlobal(m, n), `${m}.${n}`).toBe(false);
    }
  });
});

describe('unpickle: malformed input', () => {
  it('truncated pickle reports where it ended', () => {
    const bytes = b64(CPYTHON_PICKLES[2]).subarray(0, 100);
    expect(() => unpickle(bytes, { findGlobal: resolver().findGlobal })).toThrow(PickleTruncatedError);
  });
  it('invalid opcode', () => {
    expect(() => unpickle(new Uint8Array([0x80, 2, 0xff]), { findGlobal: () => null })).toThrow(/invalid pickle opcode 0xff at byte 2/);
  });
  it('stack underflow', () => {
    expect(() => unpickle(ascii('0.'), { findGlobal: () => null })).toThrow(PickleError);
  });
});

describe('pickle (protocol 2 writer) round-trips through the unpickler', () => {
  it('plain data, tuples, OrderedDict, globals, persistent ids', () => {
    const value = {
      meta: { epoch: 3, classes: ['cat', 'dog'], lr: 0.1, neg: -70000, big: 2n ** 80n, none: null, flag: true, text: 'ü ✓', raw: new Uint8Array([0, 200]) },
      tuple: new PyTuple(1, 2, 3, 4, 5),
      od: new PyOrderedDict([['z', 1], ['a', new PyTuple()]]),
      many: Array.from({ length: 2500 }, (_, i) => i),
      call: new PyCall('collections', 'OrderedDict', []),
      pid: new PyPersistent(new PyTuple('storage', new PyGlobalRef('torch', 'FloatStorage'), '0', 'cpu', 4)),
    };
    const bytes = pickle(value);
    const pids: unknown[] = [];
    const { value: back, end } = unpickle(bytes, { findGlobal: resolver().findGlobal, persistentLoad: (p) => (pids.push(p), 'STORAGE') });
    expect(end).toBe(bytes.length);
    const plain = toPlain(back) as Record<string, unknown>;
    expect(plain.meta).toEqual(value.meta);
    expect(plain.tuple).toEqual([1, 2, 3, 4, 5]);
    expect(plain.od).toEqual({ z: 1, a: [] });
    expect(plain.many).toEqual(value.many);
    expect(plain.call).toEqual({});
    expect(plain.pid).toBe('STORAGE');
    expect((pids[0] as unknown[])[0]).toBe('storage');
    expect(((pids[0] as unknown[])[1] as PickleGlobal).qualifiedName).toBe('torch.FloatStorage');
  });
});

describe('numpy values (numpy 2.4 pickles)', () => {
  // {'a': np.arange(6, dtype='<i4').reshape(2, 3), 's': np.float32(1.5), 'b': np.array([True, False])}
  const NUMPY_PICKLES = {
    5: 'gAWVMAEAAAAAAAB9lCiMAWGUjBNudW1weS5fY29yZS5udW1lcmljlIwLX2Zyb21idWZmZXKUk5QolhgAAAAAAAAAAAAAAAEAAAACAAAAAwAAAAQAAAAFAAAAlIwFbnVtcHmUjAVkdHlwZZSTlIwCaTSUiYiHlFKUKEsDjAE8lE5OTkr/////Sv////9LAHSUYksCSwOGlIwBQ5R0lFKUjAFzlIwWbnVtcHkuX2NvcmUubXVsdGlhcnJheZSMBnNjYWxhcpSTlGgIjAJmNJSJiIeUUpQoSwNoDE5OTkr/////Sv////9LAHSUYkMEAADAP5SGlFKUjAFilGgEKJYCAAAAAAAAAAEAlGgIjAJiMZSJiIeUUpQoSwOMAXyUTk5OSv////9K/////0sAdJRiSwKFlGgPdJRSlHUu',
    2: 'gAJ9cQAoWAEAAABhcQFjbnVtcHkuX2NvcmUubXVsdGlhcnJheQpfcmVjb25zdHJ1Y3QKcQJjbnVtcHkKbmRhcnJheQpxA0sAhXEEY19jb2RlY3MKZW5jb2RlCnEFWAEAAABicQZYBgAAAGxhdGluMXEHhnEIUnEJh3EKUnELKEsBSwJLA4ZxDGNudW1weQpkdHlwZQpxDVgCAAAAaTRxDomIh3EPUnEQKEsDWAEAAAA8cRFOTk5K/////0r/////SwB0cRJiiWgFWBgAAAAAAAAAAQAAAAIAAAADAAAABAAAAAUAAABxE2gHhnEUUnEVdHEWYlgBAAAAc3EXY251bXB5Ll9jb3JlLm11bHRpYXJyYXkKc2NhbGFyCnEYaA1YAgAAAGY0cRmJiIdxGlJxGyhLA2gRTk5OSv////9K/////0sAdHEcYmgFWAUAAAAAAMOAP3EdaAeGcR5ScR+GcSBScSFYAQAAAGJxImgCaANLAIVxI2gJh3EkUnElKEsBSwKFcSZoDVgCAAAAYjFxJ4mIh3EoUnEpKEsDWAEAAAB8cSpOTk5K/////0r/////SwB0cStiiWgFWAIAAAABAHEsaAeGcS1ScS50cS9idS4=',
  };
  for (const [protocol, text] of Object.entries(NUMPY_PICKLES)) {
    it(`arrays and scalars, protocol ${protocol}`, () => {
      const { findGlobal, report } = resolver();
      const v = toPlain(unpickle(b64(text), { findGlobal }).value) as Record<string, NumpyArray | number>;
      expect(v.a).toBeInstanceOf(NumpyArray);
      expect(v.a).toMatchObject({ dtype: 'int32', shape: [2, 3], data: new Int32Array([0, 1, 2, 3, 4, 5]) });
      expect(v.s).toBe(1.5);
      expect(v.b).toMatchObject({ dtype: 'bool', shape: [2], data: new Uint8Array([1, 0]) });
      expect(report.placeholders.size).toBe(0);
    });
  }
});
