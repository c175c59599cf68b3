/**
 * @peculiar/x509 with the Reflect metadata polyfill it needs (its dependency injection, tsyringe,
 * refuses to load without one). The polyfill import must stay first: ES modules evaluate in import order.
 */
import 'reflect-metadata';

export {
  BasicConstraintsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  X509Certificate,
} from '@peculiar/x509';
