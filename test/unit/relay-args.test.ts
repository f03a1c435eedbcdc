import { describe, expect, it } from 'vitest';
import { formatHelp } from '../../src/cli/args.js';
import { parseRelayArgs, relaySpec } from '../../src/cli/relay.js';
import { UsageError } from '../../src/errors.js';

describe('relay arguments', () => {
  it('needs only --seeder and defaults the rest', () => {
    expect(parseRelayArgs(['--seeder', 'http://example.test:8080/some/path'])).toEqual({
      seeder: 'http://example.test:8080',
      maxChildren: 3,
      host: '0.0.0.0',
      port: 0,
      announce: [],
      serve: undefined,
      verbose: false,
    });
  });

  it('reads every flag', () => {
    const config = parseRelayArgs([
      '--seeder',
      'http://127.0.0.1:9000',
      '--max-children',
      '5',
      '--host',
      '127.0.0.1',
      '--port',
      '4001',
      '--announce',
      '/ip4/10.0.0.1/tcp/4001,/dns4/relay.test/tcp/4001',
      '--serve',
      '8081',
      '-v',
    ]);
    expect(config).toMatchObject({
      maxChildren: 5,
      port: 4001,
      announce: ['/ip4/10.0.0.1/tcp/4001', '/dns4/relay.test/tcp/4001'],
      serve: 8081,
      verbose: true,
    });
  });

  it.each([
    [[], /--seeder <url> is required/],
    [['--seeder', 'nonsense'], /--seeder must be a URL/],
    [['--seeder', 'ftp://host'], /http\(s\) URL/],
    [['--seeder', 'http://h', '--max-children', '-1'], /--max-children/],
    [['--seeder', 'http://h', '--announce', 'tcp/4001'], /--announce takes multiaddrs/],
    [['--seeder', 'http://h', '--serve', 'web'], /--serve must be a whole number/],
    [['--seeder', 'http://h', '--colour'], /Unknown option '--colour'/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseRelayArgs(argv)).toThrow(UsageError);
    expect(() => parseRelayArgs(argv)).toThrow(message);
  });

  it('documents its flags', () => {
    const help = formatHelp(relaySpec);
    for (const name of Object.keys(relaySpec.flags)) expect(help).toContain(`--${name}`);
  });
});
