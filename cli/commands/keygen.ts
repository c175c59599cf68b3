/** `tacit keygen`: create or extend a gateway key store (see gateway/keys/store.ts). */
import { type Command, UsageError } from '../command.ts';

const usage = `Usage: tacit keygen --out FILE [--kem x25519|p256|p384]
                    [--aead aes128gcm|aes256gcm|chacha20poly1305] [--key-id N]

Adds a fresh HPKE key configuration (RFC 9458 3.1) to the key store FILE, creating it if needed.
The file is written atomically with mode 0600; a file that is not a tacit key store is never
overwritten. Without --aead the configuration offers all three AEADs (AES-128-GCM first).
Without --key-id the next free key id is used.`;

export const command: Command = {
  summary: 'create or extend a gateway key store',
  usage,
  async run(argv) {
    const { readOptions, parseInteger } = await import('../../gateway/options.ts');
    const { AEAD_NAMES, KEM_NAMES, freeKeyId, generateKey, readStore, writeStore } = await import(
      '../../gateway/keys/store.ts'
    );
    const { values, errors, positionals } = readOptions(
      {
        out: { kind: 'string' },
        kem: { kind: 'string' },
        aead: { kind: 'string' },
        'key-id': { kind: 'string' },
      },
      argv,
      {},
    );
    for (const p of positionals) errors.push(`unexpected argument '${p}'`);
    const out = values.out as string | undefined;
    if (out === undefined) errors.push('--out FILE is required');
    const kemName = (values.kem as string | undefined) ?? 'x25519';
    const kem = KEM_NAMES[kemName];
    if (kem === undefined) errors.push(`--kem must be one of ${Object.keys(KEM_NAMES).join(', ')}`);
    const aeadName = values.aead as string | undefined;
    const aead = aeadName === undefined ? undefined : AEAD_NAMES[aeadName];
    if (aeadName !== undefined && aead === undefined)
      errors.push(`--aead must be one of ${Object.keys(AEAD_NAMES).join(', ')}`);
    const keyIdText = values['key-id'] as string | undefined;
    const keyIdArg = keyIdText === undefined ? undefined : parseInteger(keyIdText, 0, 255);
    if (keyIdText !== undefined && keyIdArg === undefined) errors.push('--key-id must be an integer 0..255');
    if (errors.length > 0) throw new UsageError(errors.join('\n'));

    let store: ReturnType<typeof readStore>;
    try {
      store = readStore(out!, true);
    } catch (err) {
      process.stderr.write(`tacit keygen: refusing to overwrite ${out}: ${(err as Error).message}\n`);
      return 1;
    }
    const held = store.keys.map((k) => k.keyId);
    if (keyIdArg !== undefined && held.includes(keyIdArg)) {
      process.stderr.write(`tacit keygen: key id ${keyIdArg} is already in ${out}\n`);
      return 1;
    }
    const keyId = keyIdArg ?? freeKeyId(held, held.length === 0 ? -1 : Math.max(...held));
    const key = await generateKey({ keyId, kem: kem!, aead });
    store.keys.push(key);
    writeStore(out!, store);
    // Only public facts: the key id and the suite, never key bytes.
    process.stdout.write(
      `${JSON.stringify({ file: out, keyId, kem: kemName, suites: key.suites, keys: store.keys.length })}\n`,
    );
    return 0;
  },
};
