import { graphql } from '@/gql';

export const SettingsQuery = graphql(`
  query MySettings {
    me {
      id
      name
      email
      role
      needsAccessible
      preferredBank {
        id
        name
      }
    }
    myNotificationSettings {
      emailEnabled
      pushEnabled
      quietHoursStart
      quietHoursEnd
      devices {
        id
        label
        createdAt
      }
    }
  }
`);

/** Separate so a bank list the viewer may not read does not hide the settings. */
export const PreferredBanksQuery = graphql(`
  query PreferredBanks {
    lockerBanks {
      id
      name
      location
      site {
        id
        name
      }
    }
  }
`);

/** Separate: a server without VAPID keys must not break the page. */
export const PushPublicKeyQuery = graphql(`
  query PushPublicKey {
    pushPublicKey
  }
`);

export const UpdateMyPreferencesMutation = graphql(`
  mutation UpdateMyPreferences($input: UpdateMyPreferencesInput!) {
    updateMyPreferences(input: $input) {
      id
      needsAccessible
      preferredBank {
        id
        name
      }
    }
  }
`);

export const RegisterPushSubscriptionMutation = graphql(`
  mutation RegisterPushSubscription($input: PushSubscriptionInput!) {
    registerPushSubscription(input: $input) {
      id
      label
      createdAt
    }
  }
`);

export const RemovePushDeviceMutation = graphql(`
  mutation RemovePushDevice($id: ID!) {
    removePushDevice(id: $id)
  }
`);
