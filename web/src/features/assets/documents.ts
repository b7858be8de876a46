import { graphql } from '@/gql';

export const AssetsQuery = graphql(`
  query Assets($search: String, $status: AssetStatus, $limit: Int) {
    assets(search: $search, status: $status, limit: $limit) {
      id
      tag
      serial
      model
      category
      department
      condition
      status
      updatedAt
    }
  }
`);

export const AssetsCsvQuery = graphql(`
  query AssetsCsv($search: String, $status: AssetStatus) {
    assetsCsv(search: $search, status: $status)
  }
`);

export const ImportAssetsMutation = graphql(`
  mutation ImportAssets($csv: String!, $dryRun: Boolean) {
    importAssets(csv: $csv, dryRun: $dryRun) {
      applied
      created
      updated
      unchanged
      errors {
        line
        tag
        field
        message
      }
    }
  }
`);

/** Each mutation selects its outcome inline: Graphcache cannot match a fragment on a union without the schema. */
export const CreateAssetMutation = graphql(`
  mutation CreateAsset($input: CreateAssetInput!) {
    createAsset(input: $input) {
      __typename
      ... on AssetSaved {
        asset {
          id
          tag
          version
        }
      }
      ... on AssetRefused {
        reason
        field
        message
      }
    }
  }
`);

export const AssetQuery = graphql(`
  query Asset($id: ID!) {
    asset(id: $id) {
      id
      tag
      serial
      model
      category
      department
      condition
      status
      notes
      version
      updatedAt
      history(limit: 50) {
        at
        kind
        status
        detail
        byName
      }
    }
  }
`);

export const UpdateAssetMutation = graphql(`
  mutation UpdateAsset($id: ID!, $version: Int!, $input: UpdateAssetInput!) {
    updateAsset(id: $id, version: $version, input: $input) {
      __typename
      ... on AssetSaved {
        asset {
          id
          tag
          version
        }
      }
      ... on AssetRefused {
        reason
        field
        message
      }
    }
  }
`);

export const SetAssetStatusMutation = graphql(`
  mutation SetAssetStatus($id: ID!, $version: Int!, $status: AssetStatus!, $reason: String!) {
    setAssetStatus(id: $id, version: $version, status: $status, reason: $reason) {
      __typename
      ... on AssetSaved {
        asset {
          id
          tag
          version
        }
      }
      ... on AssetRefused {
        reason
        field
        message
      }
    }
  }
`);
