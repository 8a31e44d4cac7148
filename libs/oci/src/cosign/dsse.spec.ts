import { decodeBase64, preAuthEncoding } from './dsse';

describe('preAuthEncoding', () => {
  it('matches the DSSE specification example', () => {
    // https://github.com/secure-systems-lab/dsse/blob/master/protocol.md#test-vectors
    expect(preAuthEncoding('http://example.com/HelloWorld', Buffer.from('hello world')).toString()).toBe(
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
  });

  it('counts bytes, not characters', () => {
    expect(preAuthEncoding('t', Buffer.from('é')).toString()).toBe('DSSEv1 1 t 2 é');
  });
});

describe('decodeBase64', () => {
  it('decodes standard and url-safe base64 and refuses anything else', () => {
    expect(decodeBase64('aGk=')?.toString()).toBe('hi');
    expect(decodeBase64('-_8=')).toEqual(Buffer.from([0xfb, 0xff]));
    expect(decodeBase64('aGk=!')).toBeUndefined();
    expect(decodeBase64('a G k')).toBeUndefined();
  });
});
