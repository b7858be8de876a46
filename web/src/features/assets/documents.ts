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

export const CreateAssetMutation = graphql(`
  mutation CreateAsset($input: CreateAssetInput!) {
    createAsset(input: $input) {
      __typename
      ... on AssetSaved {
        asset {
          id
          tag
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
