import { graphql } from '@/gql';

export const LoanPoliciesQuery = graphql(`
  query LoanPolicies {
    loanPolicies {
      id
      category
      role
      site {
        id
        name
      }
      eligible
      maxLoanHours
      dueBy
      maxItems
      renewals
      renewalHours
      renewWindowHours
      requiresAgreement
      blockWhenOverdue
      note
      version
    }
    sites {
      id
      name
    }
  }
`);

export const SaveLoanPolicyMutation = graphql(`
  mutation SaveLoanPolicy($id: ID, $version: Int, $input: LoanPolicyInput!) {
    saveLoanPolicy(id: $id, version: $version, input: $input) {
      __typename
      ... on LoanPolicySaved {
        policy {
          id
          version
        }
      }
      ... on LoanPolicyRefused {
        reason
        field
        message
      }
    }
  }
`);

export const DeleteLoanPolicyMutation = graphql(`
  mutation DeleteLoanPolicy($id: ID!) {
    deleteLoanPolicy(id: $id)
  }
`);

export const EffectiveLoanPolicyQuery = graphql(`
  query EffectiveLoanPolicy($category: String!, $role: Role!, $siteId: ID) {
    effectiveLoanPolicy(category: $category, role: $role, siteId: $siteId) {
      eligible
      maxLoanHours
      dueBy
      maxItems
      renewals
      renewalHours
      renewWindowHours
      requiresAgreement
      blockWhenOverdue
      decidedBy {
        setting
        scope
      }
    }
  }
`);
