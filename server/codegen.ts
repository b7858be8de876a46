import type { CodegenConfig } from '@graphql-codegen/cli';

// Resolver types from the hand-written contract. Mappers tie each GraphQL type
// to the row type the services return, so resolvers are checked end to end.
const config: CodegenConfig = {
  schema: '../schema.graphql',
  generates: {
    'src/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        contextType: '../graphql/context.js#GraphQLContext',
        scalars: { DateTime: 'Date', SafeInt: 'number', EventSeq: 'unknown', EventKindName: 'unknown' },
        mappers: {
          Person: '../people/types.js#PersonRow',
          Site: '../lockers/types.js#SiteRow',
          LockerBank: '../lockers/types.js#BankRow',
          Compartment: '../lockers/types.js#CompartmentRow',
          LockerEvent: '../lockers/types.js#LockerEventRow',
          LockerCommand: '../devices/types.js#CommandRow',
          DevOutboxMessage: '../notify/types.js#DevOutboxRow',
          Parcel: '../parcels/types.js#ParcelRow',
          Asset: '../assets/types.js#AssetRow',
          AssetHistoryEntry: '../assets/types.js#AssetHistoryRow',
          LoanPolicy: '../assets/policy.js#LoanPolicyRow',
          Loan: '../handouts/types.js#LoanRow',
          AssetHandout: '../handouts/types.js#HandoutRow',
          Booking: '../handouts/queue.js#BookingRow',
          WaitlistEntry: '../handouts/queue.js#WaitlistRow',
          Campaign: '../handouts/campaigns.js#CampaignRow',
          CampaignItem: '../handouts/campaigns.js#CampaignItemRow',
          CampaignPlan: '../handouts/campaigns.js#CampaignPlanResult',
          CampaignSlot: '../handouts/campaigns.js#PlanSlot',
          CampaignPlanLine: '../handouts/campaigns.js#PlanLine',
          AssetFault: '../handouts/calendar-store.js#AssetFaultRow',
          DoorOpening: '../audit/types.js#DoorOpeningView',
          StaffAlert: '../audit/types.js#StaffAlertRow',
          PushDevice: '../notify/types.js#PushDeviceRow',
          NotificationSettings: '../notify/types.js#NotificationSettingsView',
        },
        avoidOptionals: { field: false, inputValue: false, object: false, defaultValue: true },
        maybeValue: 'T | null',
        resolversNonOptionalTypename: { unionMember: true },
      },
    },
  },
};
export default config;
