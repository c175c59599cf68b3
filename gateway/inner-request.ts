/**
 * The inner request handed to an in-process target: a `Request` that holds its body as the bytes
 * the gateway already decrypted, and builds the WHATWG object only when something asks for more
 * than the method, URL, headers, signal and whole body.
 *
 * Why: hono handlers read `c.req.raw` through exactly those (`text()`, `json()`, `arrayBuffer()`,
 * `header()`, `signal`), and a real undici Request with a byte body costs more to construct than
 * the whole HPKE decapsulation (it wraps the bytes in a ReadableStream and follows the signal).
 * @hono/node-server makes the same trade for its incoming requests. Anything else (`body`,
 * `clone()`, `formData()`, the fetch-only fields) gets the real Request, built once, with the same
 * method, URL, headers, body and signal, so a target sees standard behaviour either way.
 */

const decoder = new TextDecoder();

export class InnerRequest implements Request {
  readonly method: string;
  readonly url: string;
  readonly headers: Headers;
  readonly signal: AbortSignal;
  #bytes: Uint8Array | null;
  #used = false;
  #real: Request | undefined;

  constructor(url: string, method: string, headers: Headers, bytes: Uint8Array | null, signal: AbortSignal) {
    this.url = url;
    this.method = method;
    this.headers = headers;
    this.signal = signal;
    this.#bytes = bytes;
  }

  /** The real Request; from then on every body read goes through it, so `bodyUsed` stays true to it. */
  #materialize(): Request {
    if (this.#real === undefined) {
      const body = this.#used ? null : this.#bytes;
      this.#real = new Request(this.url, {
        method: this.method,
        headers: this.headers,
        signal: this.signal,
        ...(body === null ? {} : { body: body as Uint8Array<ArrayBuffer> }),
      });
    }
    return this.#real;
  }

  /** The body bytes, once (fetch's "body already used" TypeError after that). */
  #take(): Uint8Array {
    if (this.#used) throw new TypeError('Body is unusable: Body has already been read');
    this.#used = true;
    return this.#bytes ?? new Uint8Array(0);
  }

  get bodyUsed(): boolean {
    return this.#used || (this.#real?.bodyUsed ?? false);
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    if (this.#real !== undefined && !this.#used) return this.#real.arrayBuffer();
    const b = this.#take();
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }

  async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    if (this.#real !== undefined && !this.#used) return this.#real.bytes();
    return new Uint8Array(await this.arrayBuffer());
  }

  async text(): Promise<string> {
    if (this.#real !== undefined && !this.#used) return this.#real.text();
    return decoder.decode(this.#take());
  }

  async json(): Promise<unknown> {
    if (this.#real !== undefined && !this.#used) return this.#real.json();
    return JSON.parse(await this.text()) as unknown;
  }

  get body(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
    return this.#materialize().body;
  }

  blob(): Promise<Blob> {
    return this.#materialize().blob();
  }

  formData(): Promise<FormData> {
    return this.#materialize().formData();
  }

  clone(): Request {
    return this.#materialize().clone();
  }

  get cache(): RequestCache {
    return this.#materialize().cache;
  }
  get credentials(): RequestCredentials {
    return this.#materialize().credentials;
  }
  get destination(): RequestDestination {
    return this.#materialize().destination;
  }
  get integrity(): string {
    return this.#materialize().integrity;
  }
  get keepalive(): boolean {
    return this.#materialize().keepalive;
  }
  get mode(): RequestMode {
    return this.#materialize().mode;
  }
  get redirect(): RequestRedirect {
    return this.#materialize().redirect;
  }
  get referrer(): string {
    return this.#materialize().referrer;
  }
  get referrerPolicy(): ReferrerPolicy {
    return this.#materialize().referrerPolicy;
  }
}
