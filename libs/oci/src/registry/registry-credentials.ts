/** A registry login: user/password (basic, or exchanged at a token realm) or a ready bearer token. */
export type RegistryCredential =
  | { readonly username: string; readonly password: string }
  | { readonly token: string };

/**
 * Where the client gets a registry's login. The platform implements it over
 * its encrypted per-org store; the client never logs or caches it beyond
 * the tokens it exchanges it for.
 */
export type CredentialProvider = (registry: string) => RegistryCredential | undefined | Promise<RegistryCredential | undefined>;

export function staticCredentials(byRegistry: Readonly<Record<string, RegistryCredential>>): CredentialProvider {
  const normalised = new Map(Object.entries(byRegistry).map(([host, credential]) => [host.toLowerCase(), credential]));
  return (registry) => normalised.get(registry.toLowerCase());
}
