// Legacy (non-aggregated) discovery documents: enough for kubectl to map
// every served resource to its path when pointed at the fake.

interface ResourceMeta {
  group: string;
  version: string;
  kind: string;
}

function resourceList(groupVersion: string, resources: Record<string, ResourceMeta>, group: string) {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    resources: Object.entries(resources)
      .filter(([, m]) => m.group === group)
      .map(([name, m]) => ({ name, singularName: m.kind.toLowerCase(), namespaced: true, kind: m.kind, verbs: ['create', 'delete', 'get', 'list', 'update', 'watch'] })),
  };
}

export function apiDiscovery(path: string, resources: Record<string, ResourceMeta>): unknown {
  const groups = [...new Set(Object.values(resources).map((r) => r.group).filter(Boolean))];
  switch (path) {
    case '/version':
      return { major: '1', minor: '32', gitVersion: 'v1.32.0-fake', platform: 'linux/amd64' };
    case '/api':
      return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] };
    case '/apis':
      return {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: groups.map((g) => ({ name: g, versions: [{ groupVersion: `${g}/v1`, version: 'v1' }], preferredVersion: { groupVersion: `${g}/v1`, version: 'v1' } })),
      };
    case '/api/v1':
      return resourceList('v1', resources, '');
    default: {
      const g = /^\/apis\/([^/]+)\/v1$/.exec(path)?.[1];
      return g && groups.includes(g) ? resourceList(`${g}/v1`, resources, g) : undefined;
    }
  }
}
