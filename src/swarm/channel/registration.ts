/**
 * Registering a channel with a seeder: the channel key signs its own name, so a seeder only ever
 * carries channels whose key holder asked for them (the admin token says the asker may).
 */
import { ed25519Sign } from '../crypto.js';
import { bytesToHex } from '../hex.js';

const REGISTRATION_DOMAIN = 'swarmcast/register/v1\n';

export function registrationMessage(name: string): Uint8Array {
  return new TextEncoder().encode(`${REGISTRATION_DOMAIN}${name}`);
}

export function signRegistration(name: string, secretKey: Uint8Array): string {
  return bytesToHex(ed25519Sign(registrationMessage(name), secretKey));
}
