// Postwarden's version, as `postwarden --version` and the admin API report it.

export const VERSION = '0.1.0';
