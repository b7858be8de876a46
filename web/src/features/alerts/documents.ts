import { graphql } from '@/gql';

export const StaffAlertsQuery = graphql(`
  query StaffAlerts($includeResolved: Boolean, $limit: Int) {
    staffAlerts(includeResolved: $includeResolved, limit: $limit) {
      ...StaffAlertFields
    }
  }
`);

export const StaffAlertUpdatedSubscription = graphql(`
  subscription StaffAlertUpdated {
    staffAlertUpdated {
      ...StaffAlertFields
    }
  }
`);

export const ResolveStaffAlertMutation = graphql(`
  mutation ResolveStaffAlert($id: ID!) {
    resolveStaffAlert(id: $id) {
      ...StaffAlertFields
    }
  }
`);

/** Bank names for alerts, which carry only a bank id. */
export const BankNamesQuery = graphql(`
  query BankNames {
    lockerBanks {
      id
      name
      location
    }
  }
`);
