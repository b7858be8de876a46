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
      reminders
      escalateAfterHours
      offerHoldMinutes
      noShowMinutes
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
      reminders
      escalateAfterHours
      offerHoldMinutes
      noShowMinutes
      decidedBy {
        setting
        scope
      }
    }
  }
`);

export const SiteCalendarFields = graphql(`
  fragment SiteCalendarFields on SiteCalendar {
    siteId
    timezone
    alwaysOpen
    hours {
      weekday
      opens
      closes
    }
    blackoutDays {
      day
      reason
    }
  }
`);

export const SiteCalendarQuery = graphql(`
  query SiteCalendar($siteId: ID!) {
    siteCalendar(siteId: $siteId) {
      ...SiteCalendarFields
    }
  }
`);

export const SetSiteHoursMutation = graphql(`
  mutation SetSiteHours($siteId: ID!, $hours: [SiteHoursInput!]!) {
    setSiteHours(siteId: $siteId, hours: $hours) {
      ...SiteCalendarFields
    }
  }
`);

export const AddBlackoutDayMutation = graphql(`
  mutation AddBlackoutDay($siteId: ID!, $day: String!, $reason: String!) {
    addBlackoutDay(siteId: $siteId, day: $day, reason: $reason) {
      ...SiteCalendarFields
    }
  }
`);

export const RemoveBlackoutDayMutation = graphql(`
  mutation RemoveBlackoutDay($siteId: ID!, $day: String!) {
    removeBlackoutDay(siteId: $siteId, day: $day) {
      ...SiteCalendarFields
    }
  }
`);

export const AssetFaultsQuery = graphql(`
  query AssetFaults($category: String) {
    assetFaults(category: $category) {
      id
      category
      label
      critical
    }
  }
`);

export const AddAssetFaultMutation = graphql(`
  mutation AddAssetFault($category: String!, $label: String!, $critical: Boolean!) {
    addAssetFault(category: $category, label: $label, critical: $critical) {
      __typename
      ... on AssetFaultSaved {
        fault {
          id
          category
          label
          critical
        }
      }
      ... on AssetFaultRefused {
        reason
        field
        message
      }
    }
  }
`);

export const RemoveAssetFaultMutation = graphql(`
  mutation RemoveAssetFault($id: ID!) {
    removeAssetFault(id: $id)
  }
`);
