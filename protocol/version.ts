/**
 * The wire's version. The minor part grows with additions a older peer can
 * ignore; the major part changes when a method or field changes meaning.
 */
export const PROTOCOL_VERSION = '1.0';
