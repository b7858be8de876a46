import type { Resolvers } from '../generated/graphql.js';

export const assetResolvers: Resolvers = {
  Query: {
    assets: (_, args, { viewer, services }) =>
      services.assets.search(
        viewer,
        { search: args.search, status: args.status, category: args.category },
        args.limit ?? 100,
      ),
    asset: (_, args, { viewer, services }) => services.assets.find(viewer, { id: args.id, tag: args.tag }),
    assetsCsv: (_, args, { viewer, services }) =>
      services.assets.exportCsv(viewer, { search: args.search, status: args.status, category: args.category }),
  },
  Mutation: {
    createAsset: (_, { input }, { viewer, services }) => services.assets.create(viewer, input),
    updateAsset: (_, args, { viewer, services }) => services.assets.update(viewer, args.id, args.version, args.input),
    setAssetStatus: (_, args, { viewer, services }) =>
      services.assets.setStatus(viewer, args.id, args.version, args.status, args.reason),
    importAssets: (_, args, { viewer, services }) => services.assets.importCsv(viewer, args.csv, args.dryRun ?? false),
  },
  Asset: {
    history: (asset, args, { viewer, services }) => services.assets.history(viewer, asset, args.limit ?? 50),
  },
};
