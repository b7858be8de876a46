import { graphql } from '@/gql';

export const OpenForRecallMutation = graphql(`
  mutation OpenForRecall($parcelId: ID!) {
    openForRecall(parcelId: $parcelId) {
      __typename
      ... on ParcelActionOk {
        parcel {
          ...ParcelFields
        }
        command {
          ...OpenCommandFields
        }
      }
      ... on ParcelActionRefused {
        reason
        message
      }
    }
  }
`);

export const HandOverAtDeskMutation = graphql(`
  mutation HandOverAtDesk($parcelId: ID!) {
    handOverAtDesk(parcelId: $parcelId) {
      __typename
      ... on ParcelActionOk {
        parcel {
          ...ParcelFields
        }
      }
      ... on ParcelActionRefused {
        reason
        message
      }
    }
  }
`);
