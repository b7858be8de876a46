import type { Resolvers } from '../generated/graphql.js';
import type { Role } from '../people/types.js';
import { ANY } from './policy.js';

export const assetResolvers: Resolvers = {
  Query: {
    assets: (_, args, { viewer, services }) =>
      services.assets.search(
        viewer,
        { search: args.search, status: args.status, category: args.category },
        args.limit ?? 100,
      ),
    asset: (_, args, { viewer, services }) => services.assets.find(viewer, { id: args.id, tag: args.tag }),
    loanPolicies: (_, __, { viewer, services }) => services.loanPolicies.list(viewer),
    effectiveLoanPolicy: (_, args, { viewer, services }) =>
      services.loanPolicies.effective(viewer, {
        category: args.category,
        role: args.role,
        siteId: args.siteId ?? null,
      }),
    assetsCsv: (_, args, { viewer, services }) =>
      services.assets.exportCsv(viewer, { search: args.search, status: args.status, category: args.category }),
  },
  Mutation: {
    createAsset: (_, { input }, { viewer, services }) => services.assets.create(viewer, input),
    updateAsset: (_, args, { viewer, services }) => services.assets.update(viewer, args.id, args.version, args.input),
    setAssetStatus: (_, args, { viewer, services }) =>
      services.assets.setStatus(viewer, args.id, args.version, args.status, args.reason),
    saveLoanPolicy: (_, args, { viewer, services }) =>
      services.loanPolicies.save(viewer, args.id ?? null, args.version ?? null, args.input),
    deleteLoanPolicy: (_, args, { viewer, services }) => services.loanPolicies.remove(viewer, args.id),
    importAssets: (_, args, { viewer, services }) => services.assets.importCsv(viewer, args.csv, args.dryRun ?? false),
  },
  LoanPolicy: {
    category: (p) => (p.category === ANY ? null : p.category),
    role: (p) => (p.role === ANY ? null : (p.role as Role)),
    site: async (p, _, { loaders }) => (p.siteId === ANY ? null : ((await loaders.site.load(p.siteId)) ?? null)),
  },
  Asset: {
    history: (asset, args, { viewer, services }) => services.assets.history(viewer, asset, args.limit ?? 50),
  },
};
