import { graphql } from '@/gql';

export const ImportPeopleMutation = graphql(`
  mutation ImportPeople($csv: String!) {
    importPeople(csv: $csv) {
      created
      updated
      errors {
        line
        message
      }
    }
  }
`);
