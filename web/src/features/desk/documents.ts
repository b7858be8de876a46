import { graphql } from '@/gql';

/** A parcel action done by staff (recall, hand-over): the parcel as staff see it. */
export const ParcelActionOkFields = graphql(`
  fragment ParcelActionOkFields on ParcelActionOk {
    parcel {
      ...ParcelFields
    }
  }
`);

export const OpenForRecallMutation = graphql(`
  mutation OpenForRecall($parcelId: ID!) {
    openForRecall(parcelId: $parcelId) {
      __typename
      ...ParcelActionOkFields
      ... on ParcelActionOk {
        command {
          ...OpenCommandFields
        }
      }
      ...ParcelActionRefusedFields
    }
  }
`);

export const HandOverAtDeskMutation = graphql(`
  mutation HandOverAtDesk($parcelId: ID!) {
    handOverAtDesk(parcelId: $parcelId) {
      __typename
      ...ParcelActionOkFields
      ...ParcelActionRefusedFields
    }
  }
`);
